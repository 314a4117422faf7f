import Foundation
import TandemCore
import TandemNumerics

/// A trained population model, as stored in `Models/*.json`.
public struct ForecastModel: Sendable, Codable {
    /// 2: monotone features (`Feature`), shape-constrained coefficients, optional recalibration.
    public static let schemaVersion = 2
    /// The one kind of model this Tandem writes and reads.
    public static let kind = "tandem.kr-forecast.logistic"
    /// The largest coefficient (on standardised features) a model file may hold.
    public static let maximumCoefficient = 1000.0

    /// How features are standardised, and the range each spanned in training.
    ///
    /// A feature is clamped into its training range before it is standardised: the model never
    /// extrapolates beyond what it was fitted on (a cycle of 7 days, when it saw only quarters,
    /// reads as the shortest cycle it saw, not as 250 standard deviations below the mean). A
    /// clamp is monotone, so every shape constraint survives it.
    public struct Standardisation: Sendable, Codable {
        public var mean: [Double]
        public var sd: [Double]
        public var lower: [Double]
        public var upper: [Double]
    }

    /// Calibrations of the baselines, learned from the same training snapshots, so that their
    /// scores are probabilities and compare fairly.
    public struct Baselines: Sendable, Codable {
        /// Linear-pace rule: success rate of the snapshots it calls on track, and of those behind.
        public var linearPaceOnTrackRate: Double
        public var linearPaceBehindRate: Double
        /// Confidence alone: logistic calibration a + b·(confidence/10); base rate when missing.
        public var confidenceIntercept: Double
        public var confidenceSlope: Double
        public var confidenceMissingRate: Double
        /// The trajectory model alone: logistic calibration a + b·logit(P_trajectory), so that
        /// its scores are probabilities like the others'.
        public var trajectoryIntercept: Double
        public var trajectorySlope: Double

        enum CodingKeys: String, CodingKey {
            case trajectoryIntercept = "trajectory_intercept", trajectorySlope = "trajectory_slope"
            case linearPaceOnTrackRate = "linear_pace_on_track_rate", linearPaceBehindRate = "linear_pace_behind_rate"
            case confidenceIntercept = "confidence_intercept", confidenceSlope = "confidence_slope"
            case confidenceMissingRate = "confidence_missing_rate"
        }
    }

    public struct CrossValidation: Sendable, Codable {
        public var ridge: Double
        public var logLoss: Double
        enum CodingKeys: String, CodingKey { case ridge, logLoss = "log_loss" }
    }

    public struct Training: Sendable, Codable {
        public var rows: Int
        public var keyResults: Int
        public var positives: Int
        /// Distinct cycles (start, end) among them.
        public var cycles: Int
        public var snapshotShares: [Double]
        public var ridge: Double
        public var crossValidation: [CrossValidation]
        public var iterations: Int
        public var converged: Bool
        public var deviance: Double
        public var reciprocalCondition: Double

        enum CodingKeys: String, CodingKey {
            case rows, keyResults = "key_results", positives, cycles, snapshotShares = "snapshot_shares", ridge
            case crossValidation = "cross_validation", iterations, converged, deviance
            case reciprocalCondition = "reciprocal_condition"
        }
    }

    public var schemaVersion: Int
    public var kind: String
    public var features: [String]
    public var standardisation: Standardisation
    /// Intercept first, then one per feature (on standardised features).
    public var coefficients: [Double]
    public var standardErrors: [Double]?
    public var covariance: [[Double]]?
    public var baselines: Baselines
    public var training: Training
    /// In-sample metrics at the snapshot shares (the held-out ones come from `evaluate` and `backtest`).
    public var metrics: [String: Metrics]
    /// Set when the model was recalibrated on an organisation's own closed key results
    /// (`recalibrated(on:asOf:)`); applied on top of the fitted log-odds.
    public var recalibration: Recalibration?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", kind, features, standardisation, coefficients
        case standardErrors = "standard_errors", covariance, baselines, training, metrics, recalibration
    }

    /// The fitted log-odds of success from a feature vector, before any recalibration.
    public func logOdds(features x: UnsafePointer<Double>) -> Double {
        var eta = coefficients[0]
        for j in 0..<features.count {
            let v = min(standardisation.upper[j], max(standardisation.lower[j], x[j]))
            eta += coefficients[j + 1] * (v - standardisation.mean[j]) / standardisation.sd[j]
        }
        return eta
    }

    /// P(success) from a feature vector (recalibrated when the model carries a recalibration).
    public func probability(features x: UnsafePointer<Double>) -> Double {
        let eta = logOdds(features: x)
        return Logistic.sigmoid(recalibration.map { $0.logOdds(eta, elapsed: x[Feature.elapsedSlot]) } ?? eta)
    }

    public func probability(_ s: Snapshot) -> Double {
        var v = FeatureSet.vector(s)
        return v.withUnsafeMutableBufferPointer { probability(features: $0.baseAddress!) }
    }

    /// Each feature's contribution to the log-odds, relative to an average training snapshot.
    public func contributions(_ s: Snapshot) -> [FeatureContribution] {
        let x = FeatureSet.vector(s)
        let st = standardisation
        return FeatureSet.features.enumerated().map { j, f in
            FeatureContribution(feature: f, value: coefficients[j + 1] * (min(st.upper[j], max(st.lower[j], x[j])) - st.mean[j]) / st.sd[j])
        }
    }

    // MARK: Baselines

    public func linearPace(_ s: Snapshot) -> Double {
        s.linearPaceFlag ? baselines.linearPaceBehindRate : baselines.linearPaceOnTrackRate
    }

    public func confidenceOnly(_ s: Snapshot) -> Double {
        guard let c = s.confidence else { return baselines.confidenceMissingRate }
        return Logistic.sigmoid(baselines.confidenceIntercept + baselines.confidenceSlope * c / 10)
    }

    /// The trajectory model's P(success), calibrated on the training snapshots.
    public func trajectoryOnly(_ s: Snapshot) -> Double {
        Logistic.sigmoid(baselines.trajectoryIntercept + baselines.trajectorySlope * Logistic.logit(s.trajectory.probability, epsilon: 1e-6))
    }

    // MARK: Files

    public static func read(path: String) throws -> ForecastModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ForecastError.unreadable(path)
        }
        return try read(data: data, path: path)
    }

    /// Reads and validates a model from a file's bytes; `path` names it in errors.
    public static func read(data: Data, path: String) throws -> ForecastModel {
        // The version first, so that a file of another version says so rather than which key of
        // this version it lacks.
        struct Header: Decodable {
            var schemaVersion: Int
            enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version" }
        }
        let bytes = [UInt8](data)
        /// A located refusal: the file, the line of the value (when it can be found), its JSON path.
        func invalid(_ jsonPath: String, _ why: String) -> ForecastError {
            .invalidModel(path, line: JSONLocator.line(of: JSONLocator.path(jsonPath), in: bytes), jsonPath: jsonPath, why)
        }
        let model: ForecastModel
        do {
            let header = try JSONDecoder().decode(Header.self, from: data)
            guard header.schemaVersion == schemaVersion else {
                throw ForecastError.malformedModel(path, "schema version \(header.schemaVersion), this Tandem reads \(schemaVersion) (retrain it with `tandem train`)")
            }
            model = try JSONDecoder().decode(ForecastModel.self, from: data)
        } catch let error as ForecastError {
            throw error
        } catch let error as DecodingError {
            let where_ = ForecastModel.codingPath(of: error)
            if where_.isEmpty, case .dataCorrupted = error {
                // Not JSON at all: Foundation's parser says at which character it stopped.
                var why = "it is not valid JSON", line: Int?
                do {
                    _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
                    // Valid JSON the decoder still refused: a number it cannot hold, say.
                    if case .dataCorrupted(let context) = error {
                        why = "it holds a value this Tandem cannot read (\(context.debugDescription.replacingOccurrences(of: " in Swift", with: "").replacingOccurrences(of: "The given data was not valid JSON.", with: "a number out of range")))"
                    }
                } catch {
                    let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
                    why += " (\(detail.hasSuffix(".") ? String(detail.dropLast()) : detail))"
                    if let r = detail.range(of: "around character "), let n = Int(detail[r.upperBound...].prefix(while: \.isNumber)) {
                        line = 1 + bytes.prefix(n).filter { $0 == UInt8(ascii: "\n") }.count
                    } else if detail.contains("end of file") {
                        line = 1 + bytes.filter { $0 == UInt8(ascii: "\n") }.count
                    }
                }
                throw ForecastError.invalidModel(path, line: line, jsonPath: nil, why)
            }
            let line = where_.isEmpty ? nil : JSONLocator.line(of: JSONLocator.path(where_), in: bytes)
            throw ForecastError.invalidModel(path, line: line, jsonPath: nil, ForecastModel.explain(error))
        } catch {
            throw ForecastError.malformedModel(path, "\(error)")
        }
        guard model.kind == kind else {
            throw invalid("kind", "'kind' is '\(model.kind)'; this Tandem reads '\(kind)' models")
        }
        guard model.features == FeatureSet.names else {
            throw invalid("features", "its features are not this Tandem's feature set (\(FeatureSet.names.count) features from '\(FeatureSet.names[0])' to '\(FeatureSet.names.last!)')")
        }
        let p = model.features.count
        guard model.coefficients.count == p + 1 else {
            throw invalid("coefficients", "'coefficients' must hold \(p + 1) numbers (the intercept, then one per feature), found \(model.coefficients.count)")
        }
        // On standardised features a coefficient beyond ±1000 moves the odds by e¹⁰⁰⁰ per standard
        // deviation: no fit gives that, and its arithmetic would overflow.
        if let j = model.coefficients.firstIndex(where: { !$0.isFinite || abs($0) > maximumCoefficient }) {
            throw invalid("coefficients[\(j)]", "coefficient \(j) is \(model.coefficients[j]); coefficients must lie within ±\(Int(maximumCoefficient))")
        }
        let st = model.standardisation
        for (name, list) in [("mean", st.mean), ("sd", st.sd), ("lower", st.lower), ("upper", st.upper)] {
            guard list.count == p else {
                throw invalid("standardisation.\(name)", "'standardisation.\(name)' must hold one number per feature (\(p)), found \(list.count)")
            }
            if let j = list.firstIndex(where: { !$0.isFinite || abs($0) > 1e12 }) {
                throw invalid("standardisation.\(name)[\(j)]", "the standardisation of '\(model.features[j])' is out of range (\(list[j]); finite, within ±1e12)")
            }
        }
        // Below 1e-9 a feature's standardised value would dwarf every other term.
        if let j = st.sd.firstIndex(where: { $0 < 1e-9 }) {
            throw invalid("standardisation.sd[\(j)]", "the standard deviation of '\(model.features[j])' must be at least 1e-9, found \(st.sd[j])")
        }
        if let j = p == 0 ? nil : (0..<p).first(where: { st.lower[$0] > st.upper[$0] }) {
            throw invalid("standardisation.lower[\(j)]", "the training range of '\(model.features[j])' is empty: lower \(st.lower[j]) > upper \(st.upper[j])")
        }
        if let se = model.standardErrors {
            guard se.count == p + 1 else {
                throw invalid("standard_errors", "'standard_errors' must hold \(p + 1) numbers (one per coefficient), found \(se.count)")
            }
            if let j = se.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw invalid("standard_errors[\(j)]", "standard error \(j) must be a finite number ≥ 0, found \(se[j])")
            }
        }
        if let c = model.covariance {
            guard c.count == p + 1, c.allSatisfy({ $0.count == p + 1 }) else {
                throw invalid("covariance", "'covariance' must be a \(p + 1) × \(p + 1) matrix (one row and column per coefficient), found \(c.count) rows of \(Set(c.map(\.count)).sorted().map(String.init).joined(separator: ", ")) columns")
            }
            for r in 0...p {
                if let k = c[r].firstIndex(where: { !$0.isFinite }) {
                    throw invalid("covariance[\(r)][\(k)]", "covariance[\(r)][\(k)] must be a finite number, found \(c[r][k])")
                }
                guard c[r][r] >= 0 else {
                    throw invalid("covariance[\(r)][\(r)]", "a variance (covariance[\(r)][\(r)]) must be ≥ 0, found \(c[r][r])")
                }
                for k in 0..<r where abs(c[r][k] - c[k][r]) > 1e-9 * max(1, abs(c[r][k]), abs(c[k][r])) {
                    throw invalid("covariance[\(r)][\(k)]", "'covariance' must be symmetric: [\(r)][\(k)] is \(c[r][k]) but [\(k)][\(r)] is \(c[k][r])")
                }
            }
        }
        guard !model.training.snapshotShares.isEmpty, model.training.snapshotShares.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw invalid("training.snapshot_shares", "'training.snapshot_shares' must be elapsed shares between 0 and 1")
        }
        let b = model.baselines
        guard [b.linearPaceOnTrackRate, b.linearPaceBehindRate, b.confidenceMissingRate].allSatisfy({ $0 >= 0 && $0 <= 1 }),
              [b.confidenceIntercept, b.confidenceSlope, b.trajectoryIntercept, b.trajectorySlope].allSatisfy({ $0.isFinite && abs($0) <= maximumCoefficient })
        else {
            throw invalid("baselines", "'baselines' must hold rates between 0 and 1 and finite calibrations within ±\(Int(maximumCoefficient))")
        }
        if let r = model.recalibration {
            guard [r.intercept, r.slope, r.elapsedSlope].allSatisfy({ $0.isFinite && abs($0) <= maximumCoefficient }),
                  r.slope >= Recalibration.minimumSlope else {
                throw invalid("recalibration", "its recalibration must have finite terms within ±\(Int(maximumCoefficient)) and a slope ≥ \(Recalibration.minimumSlope)")
            }
        }
        for (j, feature) in FeatureSet.features.enumerated() where feature.isMonotoneInProgress && model.coefficients[j + 1] < 0 {
            throw invalid("coefficients[\(j + 1)]", "coefficient of '\(feature.rawValue)' is negative; it must be ≥ 0 so that P(success) cannot rise as progress falls")
        }
        return model
    }

    /// A decoding error in words: where in the file (a JSON path) and what was expected.
    /// The JSON path a decoding error points at, as `a.b[3]` ("" for the top level).
    static func codingPath(of error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        @unknown default: path = []
        }
        let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }

    /// A JSON kind in words, for a Swift type a decoder expected.
    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [Any].Type, is [Double].Type, is [String].Type, is [[Double]].Type: "a list"
        default: "\(type)".hasPrefix("Array") ? "a list" : ("\(type)".hasPrefix("Dictionary") ? "an object" : "a value of another kind")
        }
    }

    static func explain(_ error: DecodingError) -> String {
        func where_(_ path: [any CodingKey]) -> String {
            let text = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : "'\(text.hasPrefix(".") ? String(text.dropFirst()) : text)'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(where_(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context):
            return "\(where_(context.codingPath)) must be \(kind(type))"
        case .valueNotFound(let type, let context):
            return "\(where_(context.codingPath)) must be \(type == Double.self ? "a number" : "a value"), found null"
        case .dataCorrupted(let context):
            // Foundation's parser says where it stopped in its error's debug description.
            let detail = context.underlyingError.flatMap { ($0 as NSError).userInfo[NSDebugDescriptionErrorKey] as? String }
            return context.codingPath.isEmpty ? "it is not valid JSON (\(detail ?? context.debugDescription))"
                : "\(where_(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    public func write(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Written to a temporary file beside it and renamed over it: a reader never sees half a
        // model, and a crash or kill midway leaves the old one.
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

public enum ForecastError: Error, CustomStringConvertible, Sendable {
    case unreadable(String)
    case malformedModel(String, String)
    /// A value of the model file out of range or of the wrong shape: file, line (when found),
    /// JSON path, why.
    case invalidModel(String, line: Int?, jsonPath: String?, String)
    case notEnoughData(String)
    case numerics(NumericsError)

    public var description: String {
        switch self {
        case .unreadable(let p): "\(p): error: model file must exist and be readable"
        case .malformedModel(let p, let why): "\(p): error: model file is not a Tandem forecast model: \(why)"
        case .invalidModel(let p, let line, let jsonPath, let why):
            "\(p)\(line.map { ":\($0)" } ?? ""): error: model file is not a Tandem forecast model: \(jsonPath.map { "at '\($0)': " } ?? "")\(why)"
        case .notEnoughData(let why): "error: not enough data to train: \(why)"
        case .numerics(let e): "error: the fit failed: \(e)"
        }
    }
}

/// One feature's contribution to a forecast's log-odds.
public struct FeatureContribution: Sendable {
    public var feature: Feature
    /// In log-odds, relative to an average training snapshot: > 0 toward success.
    public var value: Double
}
