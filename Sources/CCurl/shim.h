// libcurl's SMTP client for Tandem's email digests, in one call Swift can make: curl_easy_setopt
// is variadic, which Swift cannot call, so the whole exchange is set up and run here.
#ifndef TANDEM_CURL_SHIM_H
#define TANDEM_CURL_SHIM_H

#include <curl/curl.h>
#include <string.h>

typedef struct {
    const char *data;
    size_t length;
    size_t offset;
} tandem_upload;

static size_t tandem_upload_read(char *buffer, size_t size, size_t count, void *user) {
    tandem_upload *upload = (tandem_upload *)user;
    size_t room = size * count;
    size_t left = upload->length - upload->offset;
    size_t n = left < room ? left : room;
    memcpy(buffer, upload->data + upload->offset, n);
    upload->offset += n;
    return n;
}

/// Sends one RFC 5322 message over SMTP.
///
/// - url: smtp://host:port (STARTTLS) or smtps://host:port (TLS from the start).
/// - tls: 2 = TLS required (STARTTLS or smtps), 0 = none (the caller allows it on loopback only).
/// - username/password: NULL for no authentication; libcurl picks the strongest mechanism the
///   server offers (AUTH PLAIN or LOGIN over the TLS channel).
/// - ca_file: a PEM bundle of trusted roots, NULL for the system's.
/// - error: CURL_ERROR_SIZE bytes for libcurl's words; response: the server's last reply code.
static inline int tandem_smtp_send(const char *url, int tls, const char *username, const char *password, const char *ca_file,
                                   const char *from, const char *const *recipients, int recipient_count,
                                   const char *message, size_t length, long timeout_seconds, char *error, long *response) {
    CURL *curl = curl_easy_init();
    if (!curl) { strcpy(error, "libcurl could not start"); return -1; }
    struct curl_slist *rcpt = NULL;
    for (int i = 0; i < recipient_count; i++) rcpt = curl_slist_append(rcpt, recipients[i]);
    tandem_upload upload = { message, length, 0 };
    error[0] = 0;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, tls == 2 ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (username) curl_easy_setopt(curl, CURLOPT_USERNAME, username);
    if (password) curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
    if (ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, tandem_upload_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)length);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout_seconds < 10 ? timeout_seconds : 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK && error[0] == 0) strncpy(error, curl_easy_strerror(code), CURL_ERROR_SIZE - 1);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, response);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    return (int)code;
}

#endif
