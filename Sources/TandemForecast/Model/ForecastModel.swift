import Foundation
import TandemCore
import TandemNumerics

/// A trained population model, as stored in `Models/*.json`.
public struct ForecastModel: Sendable, Codable {
    public static let schemaVersion = 1

    public struct Standardisation: Sendable, Codable {
        public var mean: [Double]
        public var sd: [Double]
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

        enum CodingKeys: String, CodingKey {
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
        public var cycles: [String]
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

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", kind, features, standardisation, coefficients
        case standardErrors = "standard_errors", covariance, baselines, training, metrics
    }

    /// P(success) from a feature vector.
    public func probability(features x: UnsafePointer<Double>) -> Double {
        var eta = coefficients[0]
        for j in 0..<features.count {
            eta += coefficients[j + 1] * (x[j] - standardisation.mean[j]) / standardisation.sd[j]
        }
        return 1 / (1 + exp(-eta))
    }

    public func probability(_ s: Snapshot) -> Double {
        var v = FeatureSet.vector(s)
        return v.withUnsafeMutableBufferPointer { probability(features: $0.baseAddress!) }
    }

    /// Each feature's contribution to the log-odds, relative to an average snapshot.
    public func contributions(_ s: Snapshot) -> [(feature: String, value: Double)] {
        let x = FeatureSet.vector(s)
        return features.indices.map { j in (features[j], coefficients[j + 1] * (x[j] - standardisation.mean[j]) / standardisation.sd[j]) }
    }

    // MARK: Baselines

    public func linearPace(_ s: Snapshot) -> Double {
        s.linearPaceFlag ? baselines.linearPaceBehindRate : baselines.linearPaceOnTrackRate
    }

    public func confidenceOnly(_ s: Snapshot) -> Double {
        guard let c = s.confidence else { return baselines.confidenceMissingRate }
        return 1 / (1 + exp(-(baselines.confidenceIntercept + baselines.confidenceSlope * c / 10)))
    }

    // MARK: Files

    public static func read(path: String) throws -> ForecastModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ForecastError.unreadable(path)
        }
        let model: ForecastModel
        do {
            model = try JSONDecoder().decode(ForecastModel.self, from: data)
        } catch {
            throw ForecastError.malformedModel(path, "\(error)")
        }
        guard model.schemaVersion == schemaVersion else {
            throw ForecastError.malformedModel(path, "schema version \(model.schemaVersion), this Tandem reads \(schemaVersion)")
        }
        guard model.features == FeatureSet.names, model.coefficients.count == model.features.count + 1,
              model.standardisation.mean.count == model.features.count, model.standardisation.sd.count == model.features.count,
              model.standardisation.sd.allSatisfy({ $0 > 0 && $0.isFinite }), model.coefficients.allSatisfy(\.isFinite)
        else {
            throw ForecastError.malformedModel(path, "its features or coefficients do not match this Tandem's feature set")
        }
        return model
    }

    public func write(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}

public enum ForecastError: Error, CustomStringConvertible, Sendable {
    case unreadable(String)
    case malformedModel(String, String)
    case notEnoughData(String)
    case numerics(NumericsError)

    public var description: String {
        switch self {
        case .unreadable(let p): "\(p): error: model file must exist and be readable"
        case .malformedModel(let p, let why): "\(p): error: model file is not a Tandem forecast model: \(why)"
        case .notEnoughData(let why): "error: not enough data to train: \(why)"
        case .numerics(let e): "error: the fit failed: \(e)"
        }
    }
}
