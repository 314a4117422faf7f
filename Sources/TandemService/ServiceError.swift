import TandemCore
import TandemForecast
import TandemStore

/// Why a use case could not be carried out, in a form every front end can render: the CLI as
/// text on standard error, a server as a status code and a JSON body.
public enum ServiceError: Error, CustomStringConvertible, Sendable {
    /// Input files with problems, each located (file, line, column), and the files themselves
    /// for rendering carets under the text.
    case invalidInput(InputProblems)
    /// The store failed or refused; its error keeps the one underneath.
    case store(StoreError)
    /// A request refused by a rule of the domain (a run dated far ahead, an unknown unit…): what
    /// is wrong and, in `note`, what to do.
    case refused(String, note: String? = nil, location: String? = nil)
    /// A request that is malformed in itself (a front end's usage error).
    case invalidRequest(String)
    /// A model file that cannot be read, or a fit that failed.
    case forecast(ForecastError)
    /// Something the asker may not know exists, or that does not exist: the same answer for both.
    case notFound(String)
    /// Something the asker sees but may not do (a member acknowledging another's alert).
    case forbidden(String)

    public var description: String {
        switch self {
        case .invalidInput(let p): DiagnosticRenderer(sources: p.sources).render(p.diagnostics.filter { $0.severity == .error })
        case .store(let e): e.description
        case .refused(let words, let note, let location): "\(location.map { "\($0): " } ?? "")error: \(words)" + (note.map { "\nnote: \($0)" } ?? "")
        case .invalidRequest(let words): "error: \(words)"
        case .forecast(let e): e.description
        case .notFound(let words): "error: \(words)"
        case .forbidden(let words): "error: \(words)"
        }
    }
}

/// Located problems in input files.
public struct InputProblems: Sendable {
    public var diagnostics: [Diagnostic]
    public var sources: [SourceFile]
    /// What could not be done because of them, e.g. "nothing imported".
    public var consequence: String

    public init(diagnostics: [Diagnostic], sources: [SourceFile], consequence: String) {
        self.diagnostics = diagnostics
        self.sources = sources
        self.consequence = consequence
    }

    public var errorCount: Int { diagnostics.counts.errors }
}

extension ServiceError {
    /// A located problem with a file that is not itself Tandem's input syntax (a model file, a
    /// report that cannot be written): the path and the words.
    static func file(_ path: String, _ words: String) -> ServiceError { .refused(words, location: path) }
}
