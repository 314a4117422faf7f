import Foundation

/// The files Tandem ships in `Models/` (the decision policy and the forecast model), found
/// wherever Tandem runs from, not only in its checkout.
public struct ShippedFiles: Sendable {
    /// How a command names the shipped policy and model when the user gives none.
    public static let policyName = "Models/selection.policy"
    public static let modelName = "Models/kr-forecast.json"

    /// The environment the search reads (`TANDEM_HOME`, `TANDEM_MODELS`).
    public var environment: [String: String]
    /// The running executable, for the folders beside it.
    public var executable: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, executable: URL = ShippedFiles.currentExecutable) {
        self.environment = environment
        self.executable = executable
    }

    /// The file to read for an option whose default is a shipped file.
    ///
    /// A path the user gave (anything but the default name) is used as it is. For the default:
    /// when `$TANDEM_MODELS` or `$TANDEM_HOME` is set, the file is looked for there and only there
    /// (`$TANDEM_MODELS/<file>`; `$TANDEM_HOME/share/tandem/Models/<file>`, then
    /// `$TANDEM_HOME/Models/<file>`), and when it is not there that path is returned, so that
    /// reading it says what is missing. Otherwise: the default name when it exists as written
    /// (run from the checkout); `../share/tandem/Models` beside the binary (`make install`); a
    /// `Models` folder in the binary's folder or one of its parents (a build in the checkout).
    public func resolve(_ path: String, default shipped: String) -> String {
        guard path == shipped else { return path }
        let name = (shipped as NSString).lastPathComponent
        let told = environmentCandidates(name)
        if !told.isEmpty { return told.first { FileManager.default.fileExists(atPath: $0) } ?? told[0] }
        if FileManager.default.fileExists(atPath: path) { return path }
        return candidates(name).first { FileManager.default.fileExists(atPath: $0) } ?? path
    }

    /// Where `$TANDEM_MODELS` and `$TANDEM_HOME` say the shipped file `name` is; empty when neither is set.
    func environmentCandidates(_ name: String) -> [String] {
        var list: [String] = []
        if let dir = environment["TANDEM_MODELS"], !dir.isEmpty {
            list.append(URL(fileURLWithPath: dir).appendingPathComponent(name).path)
        }
        if let home = environment["TANDEM_HOME"], !home.isEmpty {
            let url = URL(fileURLWithPath: home)
            list.append(url.appendingPathComponent("share/tandem/Models").appendingPathComponent(name).path)
            list.append(url.appendingPathComponent("Models").appendingPathComponent(name).path)
        }
        return list
    }

    public func policy(_ path: String? = nil) -> String { resolve(path ?? Self.policyName, default: Self.policyName) }
    public func model(_ path: String? = nil) -> String { resolve(path ?? Self.modelName, default: Self.modelName) }

    /// Where the shipped file `name` is looked for beside the binary, in order.
    public func candidates(_ name: String) -> [String] {
        var list: [String] = []
        var dir = executable.deletingLastPathComponent()
        list.append(dir.deletingLastPathComponent().appendingPathComponent("share/tandem/Models").appendingPathComponent(name).path)
        for _ in 0..<5 {
            list.append(dir.appendingPathComponent("Models").appendingPathComponent(name).path)
            dir = dir.deletingLastPathComponent()
        }
        return list
    }

    /// This process's binary, links resolved (`.build/release` is a link into the build folder).
    public static var currentExecutable: URL {
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: link)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    }
}
