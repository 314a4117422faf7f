import Foundation

/// The files Tandem ships in `Models/` (the policy and the forecast model), found wherever
/// Tandem runs from, not only in the checkout's folder.
enum Shipped {
    static let policy = "Models/selection.policy"
    static let model = "Models/kr-forecast.json"

    /// The file to read for an option whose default is a shipped file.
    ///
    /// A path the user gave, or one that exists as written, is used as it is. Otherwise the
    /// shipped file is looked for, in order: `$TANDEM_MODELS/<name>`; `share/tandem/Models` beside
    /// the installed binary (`make install`); a `Models` folder in the binary's folder or one of
    /// its parents (a build inside the checkout).
    static func resolve(_ path: String, default shipped: String) -> String {
        guard path == shipped, !FileManager.default.fileExists(atPath: path) else { return path }
        let name = (shipped as NSString).lastPathComponent
        for candidate in candidates(name) where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return path  // not found anywhere: reading it gives the error, with this path
    }

    static func candidates(_ name: String) -> [String] {
        var list: [String] = []
        if let dir = ProcessInfo.processInfo.environment["TANDEM_MODELS"], !dir.isEmpty {
            list.append(URL(fileURLWithPath: dir).appendingPathComponent(name).path)
        }
        var dir = executable.deletingLastPathComponent()
        list.append(dir.deletingLastPathComponent().appendingPathComponent("share/tandem/Models").appendingPathComponent(name).path)
        for _ in 0..<5 {
            list.append(dir.appendingPathComponent("Models").appendingPathComponent(name).path)
            dir = dir.deletingLastPathComponent()
        }
        return list
    }

    /// This binary, links resolved (`.build/release` is a link into the build folder).
    static var executable: URL {
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: link)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    }
}
