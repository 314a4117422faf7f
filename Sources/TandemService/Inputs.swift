import Foundation
import TandemCore
import TandemForecast
import TandemPolicy

/// A checked policy with the file it came from and the text it was read from (a run keeps each
/// policy version whole).
public struct LoadedPolicy: Sendable {
    public var policy: Policy
    public var compiled: CompiledPolicy
    public var path: String
    public var text: String
    /// The policy's own warnings (errors make loading fail).
    public var diagnostics: [Diagnostic]
    public var source: SourceFile

    /// The policy's name and version, as runs and reports name it.
    public var title: String { "\(policy.name)\(policy.version.map { " \($0)" } ?? "")" }
}

/// A forecast model with the file it came from.
public struct LoadedModel: Sendable {
    public var model: ForecastModel
    public var path: String
}

/// Checked data files, with the files themselves (for rendering) and their warnings.
public struct LoadedDataset: Sendable {
    public var dataset: Dataset
    public var sources: [SourceFile]
    public var diagnostics: [Diagnostic]
}

/// Reading what Tandem is given: every file can be malformed, and every problem is located.
public enum Inputs {
    /// Reads and checks a policy file.
    public static func policy(_ path: String) throws(ServiceError) -> LoadedPolicy {
        let result = PolicyLoader.load(path: path)
        guard let policy = result.policy, let source = result.source else {
            throw .invalidInput(InputProblems(diagnostics: result.diagnostics, sources: result.source.map { [$0] } ?? [],
                                              consequence: "the policy \(path) has errors"))
        }
        return LoadedPolicy(policy: policy, compiled: CompiledPolicy(policy), path: path, text: String(decoding: source.bytes, as: UTF8.self),
                            diagnostics: result.diagnostics, source: source)
    }

    /// Reads and checks a forecast model file.
    public static func model(_ path: String) throws(ServiceError) -> LoadedModel {
        do { return LoadedModel(model: try ForecastModel.read(path: path), path: path) } catch let error as ForecastError {
            throw .forecast(error)
        } catch {
            throw .forecast(.unreadable(path))
        }
    }

    /// Reads and checks whichever data files are given.
    ///
    /// - Parameter known: a store's content, against which key results (without `org`) and
    ///   check-ins (without `krs`) are checked.
    public static func dataset(org: String?, krs: String?, checkins: String?, known: Dataset? = nil,
                               consequence: String = "cannot go on") throws(ServiceError) -> LoadedDataset {
        let load = DatasetLoader.load(org: org, krs: krs, checkins: checkins, known: known)
        guard let dataset = load.dataset, !load.diagnostics.hasErrors else {
            throw .invalidInput(InputProblems(diagnostics: load.diagnostics, sources: load.sources, consequence: consequence))
        }
        return LoadedDataset(dataset: dataset, sources: load.sources, diagnostics: load.diagnostics)
    }

    /// Binds an organisation to a policy: every unit's attributes checked against its schema.
    public static func bind(_ organisation: Organisation, to policy: LoadedPolicy, sources: [SourceFile] = []) throws(ServiceError) -> OrganisationBinding {
        let bindingChecked = OrganisationBinding.bind(organisation, to: policy.policy)
        let binding = bindingChecked.value, diagnostics = bindingChecked.diagnostics
        guard let binding else {
            throw .invalidInput(InputProblems(diagnostics: diagnostics, sources: sources + [policy.source],
                                              consequence: "the organisation does not fit the policy \(policy.path)"))
        }
        return binding
    }
}
