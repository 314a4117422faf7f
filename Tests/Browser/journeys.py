#!/usr/bin/env python3
"""The dashboard's journeys in a real browser: headless Chromium (Debian's) driven by Playwright.

Usage: journeys.py BASE_URL SHOTS_DIR HR_EMAIL LEAD_EMAIL PASSWORD UNIT LEAD_UNIT OTHER_KPI_KR STRATEGY_EMAIL SCENARIO_FILE

1. HR signs in, filters the inbox to UNIT, acknowledges the first alert, and sees it leave the
   open inbox and appear among the acknowledged ones.
2. A lead of LEAD_UNIT signs in, opens their unit's page, and fails to open OTHER_KPI_KR (a KPI
   key result of a unit they do not lead): "Not found".
3. HR signs out; the back button shows nothing private (the sign-in page, no alert).
4. Strategy opens the organisation overview (heat map), a unit's decision with its reasons, the
   policy page, uploads SCENARIO_FILE and sees the what-if report, then uploads a broken file and
   sees its located errors on the page.
5. Another site's page submits a sign-in form to Tandem (login CSRF): refused, no session.

Prints one line per step; exits 1 at the first failed check (with a screenshot of the page).
"""
import os
import sys
from urllib.parse import quote

from playwright.sync_api import sync_playwright

base, shots, hr, lead, password, unit, lead_unit, other_kr, strategy, scenario = sys.argv[1:11]
os.makedirs(shots, exist_ok=True)


def check(page, condition, what, name):
    if not condition:
        page.screenshot(path=os.path.join(shots, f"failed-{name}.png"), full_page=True)
        print(f"FAILED: {what} (screenshot failed-{name}.png; page at {page.url})")
        sys.exit(1)
    print(f"ok: {what}")


def sign_in(page, email):
    page.goto(base + "/inbox")
    check(page, "/signin" in page.url, "a page asked for while signed out sends to the sign-in page", "signin-redirect")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action='/signin'] button[type=submit]")


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])

    # 1. HR: filter, acknowledge, see it move.
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    sign_in(page, hr)
    check(page, page.url.endswith("/inbox"), "HR lands on the inbox after signing in", "hr-inbox")
    page.fill("input[name=unit]", unit)
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    check(page, f"unit={quote(unit)}" in page.url or f"unit={unit}" in page.url, f"the inbox is filtered to {unit}", "hr-filter")
    rows = page.locator("table.alerts tbody tr")
    count = rows.count()
    check(page, count > 0, f"{unit}'s inbox lists open alerts ({count})", "hr-rows")
    first = rows.first
    alert_id = first.get_attribute("id")
    page.screenshot(path=os.path.join(shots, "1-hr-inbox-filtered.png"), full_page=False)
    first.locator("form.ack input[name=note]").fill("已与负责人沟通，下周复盘")
    with page.expect_navigation():
        first.locator("form.ack button[type=submit]").click()
    check(page, page.locator("p.notice").count() == 1 and "acknowledged" in page.locator("p.notice").inner_text(),
          "the page says the alert was acknowledged", "hr-notice")
    check(page, page.locator(f"#{alert_id}").count() == 0, f"{alert_id} left the open inbox", "hr-moved")
    page.screenshot(path=os.path.join(shots, "1-hr-after-ack.png"), full_page=False)
    page.select_option("select[name=status]", "acked")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    check(page, page.locator(f"#{alert_id}").count() == 1, f"{alert_id} is among the acknowledged alerts", "hr-acked")
    check(page, "已与负责人沟通" in page.locator(f"#{alert_id}").inner_text(), "its note shows, in Chinese", "hr-note")

    # 3. Sign out; back shows nothing private.
    with page.expect_navigation():
        page.click("form.signout button[type=submit]")
    check(page, "/signin" in page.url, "signing out leads to the sign-in page", "signout")
    page.go_back()
    page.wait_for_load_state()
    body = page.content()
    check(page, "/signin" in page.url and "table class=\"alerts\"" not in body and "已与负责人沟通" not in body,
          "the back button after signing out shows the sign-in page, no alert", "back-button")
    page.screenshot(path=os.path.join(shots, "3-after-signout-back.png"), full_page=False)
    context.close()

    # 2. A lead: their unit's page, and not another unit's KPI key result.
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    sign_in(page, lead)
    page.goto(base + "/units/" + quote(lead_unit, safe=""))
    check(page, page.locator("h1").count() == 1 and "Not found" not in page.locator("h1").inner_text(), f"the lead opens {lead_unit}'s page", "lead-unit")
    check(page, "Managed by" in page.content() or "No decision yet" in page.content(), "the unit page shows its decision", "lead-decision")
    page.screenshot(path=os.path.join(shots, "2-lead-unit.png"), full_page=False)
    response = page.goto(base + "/kr/" + quote(other_kr, safe=""))
    check(page, response.status == 404 and "Not found" in page.locator("h1").inner_text(),
          f"another unit's KPI key result {other_kr} is not found for the lead", "lead-other-kpi")
    page.screenshot(path=os.path.join(shots, "2-lead-other-kpi.png"), full_page=False)
    context.close()

    # 4. Strategy: the overview, a decision, the policy, what-if.
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    sign_in(page, strategy)
    page.goto(base + "/units")
    check(page, page.locator(".heatmap .cell").count() > 0, "the overview shows the heat map of risk by unit", "strategy-overview")
    page.screenshot(path=os.path.join(shots, "4-strategy-overview.png"), full_page=True)
    page.goto(base + "/units/" + quote(lead_unit, safe=""))
    check(page, page.locator("section.decision").count() == 1 and "Why not the other modes" in page.content(),
          "a unit's page tells its decision's whole story", "strategy-decision")
    page.screenshot(path=os.path.join(shots, "4-strategy-unit-decision.png"), full_page=True)
    page.goto(base + "/policy")
    check(page, "In force" in page.content(), "the policy page names the version in force", "strategy-policy")
    page.screenshot(path=os.path.join(shots, "4-strategy-policy.png"), full_page=True)
    page.goto(base + "/whatif")
    page.set_input_files("input[name=file]", scenario)
    page.fill("input[name=name]", "样例情景")
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    frame = page.frame_locator("iframe.report")
    frame.locator("h1").first.wait_for(timeout=30000)
    check(page, "What-if" in frame.locator("h1").first.inner_text(), "the uploaded scenario's report shows in the page", "strategy-whatif")
    page.screenshot(path=os.path.join(shots, "4-strategy-whatif.png"), full_page=False)
    broken = os.path.join(shots, "broken-scenario.yaml")
    with open(broken, "w") as f:
        f.write("scenarios:\n  - name: 坏的\n    set:\n      unit: [\n")
    page.set_input_files("input[name=file]", broken)
    with page.expect_navigation():
        page.click("form[enctype] button[type=submit]")
    details = page.locator("pre.details")
    check(page, details.count() == 1 and "broken-scenario" not in page.url and ":" in details.inner_text(),
          "a broken scenario file shows its located errors on the page", "strategy-whatif-broken")
    page.screenshot(path=os.path.join(shots, "4-strategy-whatif-broken.png"), full_page=False)
    context.close()

    # 5. Another site's page submits a sign-in form to Tandem: nobody is signed in.
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    evil = "http://evil.example/"
    form = (f'<form method="post" action="{base}/signin"><input name="email" value="{hr}">'
            f'<input name="password" value="{password}"><button type="submit">go</button></form>')
    page.route(evil, lambda route: route.fulfill(status=200, content_type="text/html", body=form))
    page.goto(evil)
    with page.expect_navigation():
        page.click("button")
    signed_in = any(c["name"] == "tandem_session" and c["value"] for c in context.cookies())
    check(page, "another site" in page.content() and not signed_in, "a sign-in form on another site's page signs nobody in", "crosssite-signin")
    page.goto(base + "/inbox")
    check(page, "/signin" in page.url, "and the inbox still asks to sign in", "crosssite-signin-inbox")
    context.close()
    browser.close()
print("all journeys passed")
