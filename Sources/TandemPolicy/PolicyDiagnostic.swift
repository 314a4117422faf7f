import TandemCore

/// The catalogue of TandemPolicy's diagnostics (ids `P…`), by stage: P00xx the file, P01xx
/// reading characters, P02xx syntax, P03xx names and types, P04xx outcomes, P05xx the decision
/// table, P06xx alerts, P07xx expectations, P08xx binding an organisation, P09xx unused
/// declarations, P10xx the analysis of the decision logic.
public enum PolicyDiagnostic: DiagnosticMessage {
    // MARK: The file (P00xx)

    /// P0001: the policy does not start with its name and version.
    case missingPolicyName

    // MARK: Characters (P01xx)

    /// P0101: an operator from another language (`&&`, `||`, `!`) where a word is written.
    case foreignOperator(String, write: String)
    /// P0101: a name with letters outside ASCII.
    case nonASCIIName(String)
    /// P0101: a character that starts no token.
    case unexpectedCharacter(String)
    /// P0102: a string is not closed on its line.
    case unterminatedString
    /// P0103: a string holds an escape other than `\"`, `\\`, `\n` and `\t`; the character after the backslash.
    case unknownEscape(String)
    /// P0104: a byte of the policy file is not valid UTF-8.
    case invalidUTF8(byte: UInt8)
    /// P0105: a number lies outside ±10^15; `written` is the number as written.
    case numberTooLarge(written: String)

    // MARK: Syntax (P02xx)

    /// P0201: a line starts with something other than a declaration keyword.
    case expectedDeclaration(found: String)
    /// P0202: a symbol is missing; `what` says where it belongs.
    case expectedSymbol(String, what: String, found: String)
    /// P0202: an override lacks 'when' and its condition.
    case expectedOverrideCondition(found: String)
    /// P0202: an alert lacks 'when' and its condition.
    case expectedAlertCondition(found: String)
    /// P0203: a name is missing.
    case expectedName(what: String, found: String)
    /// P0204: text that must be quoted is not.
    case expectedString(what: String, found: String)
    /// P0205: a rule or declaration goes on after its end.
    case expectedEndOfLine(what: String, found: String)
    /// P0206: an attribute's type is missing.
    case expectedAttributeType(found: String)
    /// P0206: an attribute's type is not one of level, enum, number, bool.
    case unknownAttributeType(String)
    /// P0207: levels are listed with something other than '<'.
    case levelsNotOrdered(found: String)
    /// P0207: enumeration values are separated by something other than '|'.
    case enumerationNotSeparated(found: String)
    /// P0208: a ',' after an attribute is followed by no option.
    case expectedAttributeOption(found: String)
    /// P0208: an attribute option is not one of default, changeable, fixed.
    case unknownAttributeOption(String)
    /// P0209: an attribute says changeable or fixed twice.
    case repeatedChangeability
    /// P0210: a number is missing.
    case expectedNumber(what: String, found: String)
    /// P0211: an evidence block is not closed (before the next declaration, or at the end of the file).
    case unclosedEvidenceBlock(beforeDeclaration: Bool)
    /// P0211: a decision table is not closed (before the next declaration, or at the end of the file).
    case unclosedDecisionTable(beforeDeclaration: Bool)
    /// P0212: evidence leans toward something other than okr or kpi.
    case unknownEvidenceDirection(String)
    /// P0213: an evidence weight is written negative.
    case negativeEvidenceWeight
    /// P0213: an evidence rule's weight is missing.
    case expectedEvidenceWeight(found: String)
    /// P0213: an evidence weight exceeds the largest allowed; the weight found.
    case evidenceWeightTooLarge(Double)
    /// P0214: a table row starts with something other than 'when' or 'otherwise'.
    case expectedRow(found: String)
    /// P0215: a row's priority is not a number.
    case expectedPriority(found: String)
    /// P0216: an outcome parameter's value is missing.
    case expectedParameterValue(found: String)
    /// P0217: an override gives no reason.
    case overrideWithoutReason(found: String)
    /// P0218: comparisons are chained.
    case chainedComparison
    /// P0219: '=' is written where '==' is meant.
    case assignmentInCondition
    /// P0220: a value is missing.
    case expectedValue(found: String)
    /// P0221: an expression has more operators than the parser allows.
    case tooManyOperators(maximum: Int)
    /// P0221: an expression nests deeper than the parser allows.
    case nestedTooDeeply(maximum: Int)

    // MARK: Names and types (P03xx)

    /// P0301: a derived value's name is already declared.
    case duplicateName(String)
    /// P0301: an attribute's name is already declared.
    case duplicateAttribute(String)
    /// P0302: a reserved word names a derived value.
    case reservedWordAsDerivedName(String)
    /// P0302: a reserved word names an attribute.
    case reservedWordAsAttributeName(String)
    /// P0302: a reserved word is a level or enumeration value.
    case reservedWordAsValue(String)
    /// P0303: an attribute lists a value twice.
    case duplicateValue(String, attribute: String)
    /// P0304: a level or enumeration attribute has fewer than two values.
    case tooFewValues(attribute: String)
    /// P0304: a level or enumeration attribute has more than 64 values.
    case tooManyValues(attribute: String)
    /// P0304: a number attribute's range runs from high to low.
    case reversedRange(min: Double, max: Double)
    /// P0305: a literal (a default, an expectation's value) is below its attribute's minimum.
    case literalBelowMinimum(context: String, minimum: Double, found: Double)
    /// P0305: a literal is above its attribute's maximum.
    case literalAboveMaximum(context: String, maximum: Double, found: Double)
    /// P0305: a literal is of the wrong type for its attribute.
    case literalOfWrongType(context: String, type: ValueType, found: String)
    /// P0306: a derived value is used before its definition.
    case derivedUsedBeforeDefinition(String)
    /// P0310: a bare value is used without the attribute it belongs to.
    case valueWithoutAttribute(String, attribute: String)
    /// P0310: a name is neither an attribute nor a derived value (`derivedValuesExist` adds "or a derived value").
    case unknownName(String, derivedValuesExist: Bool)
    /// P0311: a literal is not one of its attribute's values.
    case notAValue(String, attribute: String, listing: String)
    /// P0311: a name compared with a level or enumeration attribute is not one of its values.
    case notInSet(String, set: SymbolSet)
    /// P0312: two values of different types are compared.
    case incomparableTypes(ValueType, ValueType)
    /// P0312: a set after 'in' holds a value of another type; `expression` is the left side.
    case mixedTypesInSet(expression: String, type: ValueType)
    /// P0313: yes/no values are ordered.
    case orderingBooleans(operator: String)
    /// P0313: an enumeration's values are ordered.
    case orderingEnumeration(operator: String, enumeration: String)
    /// P0313: 'in' is used on a yes/no value.
    case membershipOfBoolean
    /// P0314: 'not' is applied to something other than a yes/no value.
    case notNeedsBoolean(expression: String, type: ValueType)
    /// P0314: 'and' or 'or' joins something other than yes/no values.
    case logicalOperatorNeedsBoolean(operator: String, expression: String, type: ValueType)
    /// P0315: '-' negates something other than a number.
    case negationNeedsNumber(expression: String, type: ValueType)
    /// P0315: arithmetic on something other than numbers.
    case arithmeticNeedsNumbers(operator: String, expression: String, type: ValueType)
    /// P0316: a condition is not a yes/no value.
    case conditionNotBoolean(expression: String, type: ValueType)
    /// P0317: 'lean' is used outside decision table rows.
    case leanOutsideTable
    /// P0318: a key-result fact is used outside alert rules.
    case factOutsideAlert(String)
    /// P0319: a dotted name that is not a key-result fact.
    case unknownDottedName(String)
    /// P0319: an unknown key-result fact.
    case unknownFact(String)
    /// P0320: an evidence weight is zero or negative.
    case nonPositiveEvidenceWeight(Double)

    // MARK: Outcomes (P04xx)

    /// P0401: an outcome's mode is not kpi, okr or hybrid.
    case unknownMode(String)
    /// P0402: a parameter the mode does not take.
    case unknownParameter(String, mode: Mode)
    /// P0403: a parameter is given twice.
    case duplicateParameter(String)
    /// P0404: a cycle is not one of `CycleLength`'s.
    case unknownCycle(parameter: String, found: String)
    /// P0405: a percentage is outside 0% to 100%; the percentage found.
    case percentageOutOfRange(parameter: String, found: Double)
    /// P0406: a hybrid outcome does not give its weights.
    case hybridWithoutWeights
    /// P0407: a hybrid's weights do not add up to 100%.
    case hybridWeightsNotWhole(kpi: Double, okr: Double)
    /// P0408: committed and aspirational shares do not add up to 100%.
    case sharesNotWhole(committed: Double, aspirational: Double)
    /// P0409: 'pay' is not separate, partial(P%) or full.
    case unknownPay(String)
    /// P0410: 'rollout' is not full, pilot or project.
    case unknownRollout(String)
    /// P0411: a percentage is written as a bare number.
    case numberForPercentage(parameter: String, number: Double)
    /// P0411: a percentage is written as something other than a number.
    case expectedPercentage(parameter: String, found: String)
    /// P0412: partial(0%) or partial(100%), the same as separate or full; the share.
    case partialIsWhole(share: Double)

    // MARK: The decision table (P05xx)

    /// P0501: the policy has no decision table.
    case missingDecisionTable
    /// P0502: the policy has a second decision table.
    case secondDecisionTable
    /// P0503: a hit policy other than unique, first or priority.
    case unknownHitPolicy(String)
    /// P0504: a row of a priority table has no priority.
    case rowWithoutPriority
    /// P0505: a priority outside a priority table.
    case priorityOutsidePriorityTable
    /// P0506: a table has a second 'otherwise' row.
    case secondOtherwise
    /// P0507: a row below 'otherwise' in a first-hit table can never fire.
    case rowAfterOtherwise
    /// P0508: a decision table has no row.
    case emptyDecisionTable

    // MARK: Alerts (P06xx)

    /// P0601: an alert's severity is not info, warning or critical.
    case unknownAlertSeverity(String)

    // MARK: Expectations (P07xx)

    /// P0701: an expectation gives an attribute the schema does not have.
    case unknownAttributeInExpectation(String)
    /// P0703: an expectation leaves out attributes that have no default.
    case expectationMissingAttributes([String])
    /// P0704: an expectation gives an attribute twice.
    case attributeGivenTwice(String)
    /// P0705: two expectations have the same name.
    case duplicateExpectation(String)

    // MARK: Binding an organisation (P08xx)

    /// P0801: a unit's value is not a level or value of its attribute.
    case invalidAttributeValue(String, attribute: String, isLevel: Bool, listing: String)
    /// P0801: a number attribute's value is not a finite number.
    case attributeValueNotANumber(attribute: String, found: String)
    /// P0801: a number attribute's value lies outside ±10^15.
    case attributeValueTooLarge(attribute: String, found: String)
    /// P0801: a number attribute's value is below its minimum.
    case attributeValueBelowMinimum(attribute: String, minimum: Double, found: String)
    /// P0801: a number attribute's value is above its maximum.
    case attributeValueAboveMaximum(attribute: String, maximum: Double, found: String)
    /// P0801: a yes/no attribute's value is not true or false.
    case attributeValueNotBoolean(attribute: String, found: String)
    /// P0804: a unit has no value for an attribute without a default.
    case missingAttributeValue(unit: String, attribute: String)
    /// P0805: a unit sets an attribute the policy does not declare.
    case attributeNotInSchema(String)

    // MARK: Unused declarations (P09xx)

    /// P0901: an attribute is declared but never used.
    case unusedAttribute(String)
    /// P0902: a derived value is defined but never used.
    case unusedDerivedValue(String)
    /// P0903: values of an enumeration are never mentioned by a rule.
    case unmentionedValues([String], attribute: String)

    // MARK: Analysis of the decision logic (P10xx)

    /// P1001: the decision table leaves some units without a decision.
    case tableHasGaps
    /// P1002: rows of a unique table overlap; `region` describes where.
    case overlappingRows([Int], region: String)
    /// P1003: a row's condition holds for no unit the overrides leave to the table.
    case deadRow(Int)
    /// P1004: a row is shadowed by a row above (first-hit tables) or of higher priority.
    case shadowedRow(Int, by: Int, firstHit: Bool)
    /// P1005: an evidence rule's condition holds for no unit.
    case deadEvidence
    /// P1006: an override's condition holds for no unit.
    case deadOverride
    /// P1007: the decision logic was not analysed.
    case notAnalysed
    /// P1008: the analysis ran out of budget before examining the whole attribute space.
    case analysisStoppedEarly(budget: Int, boxes: Int, cellsExamined: Double, spaceCells: Double)
    /// P1009: some cells were decided from one representative unit.
    case approximateAnalysis

    public var id: String {
        switch self {
        case .missingPolicyName: "P0001"
        case .foreignOperator, .nonASCIIName, .unexpectedCharacter: "P0101"
        case .unterminatedString: "P0102"
        case .unknownEscape: "P0103"
        case .invalidUTF8: "P0104"
        case .numberTooLarge: "P0105"
        case .expectedDeclaration: "P0201"
        case .expectedSymbol, .expectedOverrideCondition, .expectedAlertCondition: "P0202"
        case .expectedName: "P0203"
        case .expectedString: "P0204"
        case .expectedEndOfLine: "P0205"
        case .expectedAttributeType, .unknownAttributeType: "P0206"
        case .levelsNotOrdered, .enumerationNotSeparated: "P0207"
        case .expectedAttributeOption, .unknownAttributeOption: "P0208"
        case .repeatedChangeability: "P0209"
        case .expectedNumber: "P0210"
        case .unclosedEvidenceBlock, .unclosedDecisionTable: "P0211"
        case .unknownEvidenceDirection: "P0212"
        case .negativeEvidenceWeight, .expectedEvidenceWeight, .evidenceWeightTooLarge: "P0213"
        case .expectedRow: "P0214"
        case .expectedPriority: "P0215"
        case .expectedParameterValue: "P0216"
        case .overrideWithoutReason: "P0217"
        case .chainedComparison: "P0218"
        case .assignmentInCondition: "P0219"
        case .expectedValue: "P0220"
        case .tooManyOperators, .nestedTooDeeply: "P0221"
        case .duplicateName, .duplicateAttribute: "P0301"
        case .reservedWordAsDerivedName, .reservedWordAsAttributeName, .reservedWordAsValue: "P0302"
        case .duplicateValue: "P0303"
        case .tooFewValues, .tooManyValues, .reversedRange: "P0304"
        case .literalBelowMinimum, .literalAboveMaximum, .literalOfWrongType: "P0305"
        case .derivedUsedBeforeDefinition: "P0306"
        case .valueWithoutAttribute, .unknownName: "P0310"
        case .notAValue, .notInSet: "P0311"
        case .incomparableTypes, .mixedTypesInSet: "P0312"
        case .orderingBooleans, .orderingEnumeration, .membershipOfBoolean: "P0313"
        case .notNeedsBoolean, .logicalOperatorNeedsBoolean: "P0314"
        case .negationNeedsNumber, .arithmeticNeedsNumbers: "P0315"
        case .conditionNotBoolean: "P0316"
        case .leanOutsideTable: "P0317"
        case .factOutsideAlert: "P0318"
        case .unknownDottedName, .unknownFact: "P0319"
        case .nonPositiveEvidenceWeight: "P0320"
        case .unknownMode: "P0401"
        case .unknownParameter: "P0402"
        case .duplicateParameter: "P0403"
        case .unknownCycle: "P0404"
        case .percentageOutOfRange: "P0405"
        case .hybridWithoutWeights: "P0406"
        case .hybridWeightsNotWhole: "P0407"
        case .sharesNotWhole: "P0408"
        case .unknownPay: "P0409"
        case .unknownRollout: "P0410"
        case .numberForPercentage, .expectedPercentage: "P0411"
        case .partialIsWhole: "P0412"
        case .missingDecisionTable: "P0501"
        case .secondDecisionTable: "P0502"
        case .unknownHitPolicy: "P0503"
        case .rowWithoutPriority: "P0504"
        case .priorityOutsidePriorityTable: "P0505"
        case .secondOtherwise: "P0506"
        case .rowAfterOtherwise: "P0507"
        case .emptyDecisionTable: "P0508"
        case .unknownAlertSeverity: "P0601"
        case .unknownAttributeInExpectation: "P0701"
        case .expectationMissingAttributes: "P0703"
        case .attributeGivenTwice: "P0704"
        case .duplicateExpectation: "P0705"
        case .invalidAttributeValue, .attributeValueNotANumber, .attributeValueTooLarge, .attributeValueBelowMinimum,
             .attributeValueAboveMaximum, .attributeValueNotBoolean:
            "P0801"
        case .missingAttributeValue: "P0804"
        case .attributeNotInSchema: "P0805"
        case .unusedAttribute: "P0901"
        case .unusedDerivedValue: "P0902"
        case .unmentionedValues: "P0903"
        case .tableHasGaps: "P1001"
        case .overlappingRows: "P1002"
        case .deadRow: "P1003"
        case .shadowedRow: "P1004"
        case .deadEvidence: "P1005"
        case .deadOverride: "P1006"
        case .notAnalysed: "P1007"
        case .analysisStoppedEarly: "P1008"
        case .approximateAnalysis: "P1009"
        }
    }

    public var severity: Severity {
        switch self {
        case .missingPolicyName, .partialIsWhole, .rowAfterOtherwise, .attributeNotInSchema, .unusedAttribute,
             .unusedDerivedValue, .tableHasGaps, .overlappingRows, .deadRow, .shadowedRow, .deadEvidence, .deadOverride,
             .notAnalysed, .analysisStoppedEarly:
            .warning
        case .unmentionedValues, .approximateAnalysis:
            .note
        default:
            .error
        }
    }

    public var message: String {
        switch self {
        case .missingPolicyName:
            "policy should start with its name: policy \"…\" version \"…\""
        case .foreignOperator(let found, let word):
            "unexpected '\(found)'; write '\(word)'"
        case .nonASCIIName(let name):
            "names are written in ASCII letters, digits and '_', found '\(name)'"
        case .unexpectedCharacter(let character):
            "unexpected character '\(character)'"
        case .unterminatedString:
            "string must end with '\"' on the same line"
        case .unknownEscape(let character):
            "unknown escape '\\\(character)' in a string; use \\\" \\\\ \\n or \\t"
        case .invalidUTF8(let byte):
            "policy must be UTF-8 text; byte 0x\(String(byte, radix: 16, uppercase: true)) is not valid UTF-8"
        case .numberTooLarge(let written):
            "number too large: a policy's numbers lie between -10^15 and 10^15, found \(written.contains(where: { $0 == "e" || $0 == "E" }) ? written : "\(written.count) digits")"
        case .expectedDeclaration(let found):
            "expected a declaration (\(declarationKeywords.joined(separator: ", "))), found \(found)"
        case .expectedSymbol(let symbol, let what, let found):
            "expected '\(symbol)' \(what), found \(found)"
        case .expectedOverrideCondition(let found):
            "expected 'when' and the override's condition, found \(found)"
        case .expectedAlertCondition(let found):
            "expected 'when' and the alert's condition, found \(found)"
        case .expectedName(let what, let found):
            "expected \(what), found \(found)"
        case .expectedString(let what, let found):
            "expected \(what) in double quotes, found \(found)"
        case .expectedEndOfLine(let what, let found):
            "expected the end of the \(what), found \(found)"
        case .expectedAttributeType(let found):
            "expected an attribute type (level, enum, number, bool), found \(found)"
        case .unknownAttributeType(let word):
            "expected an attribute type (level, enum, number, bool), found '\(word)'"
        case .levelsNotOrdered(let found):
            "levels must be listed from lowest to highest with '<', found \(found)"
        case .enumerationNotSeparated(let found):
            "enumeration values are separated by '|', found \(found)"
        case .expectedAttributeOption(let found):
            "expected 'default', 'changeable' or 'fixed' after ',', found \(found)"
        case .unknownAttributeOption(let word):
            "expected 'default', 'changeable' or 'fixed' after ',', found '\(word)'"
        case .repeatedChangeability:
            "an attribute is either changeable or fixed, once"
        case .expectedNumber(let what, let found):
            "expected \(what), a number, found \(found)"
        case .unclosedEvidenceBlock(let beforeDeclaration):
            beforeDeclaration
                ? "evidence block must be closed with '}' before the next declaration"
                : "evidence block must be closed with '}'"
        case .unclosedDecisionTable(let beforeDeclaration):
            beforeDeclaration
                ? "decision table must be closed with '}' before the next declaration"
                : "decision table must be closed with '}'"
        case .unknownEvidenceDirection(let direction):
            "evidence must lean toward 'okr' or 'kpi', found '\(direction)'"
        case .negativeEvidenceWeight:
            "evidence weight must be positive; to lean the other way, use the other direction"
        case .expectedEvidenceWeight(let found):
            "expected the evidence's weight, a positive number such as +2, found \(found)"
        case .evidenceWeightTooLarge(let weight):
            "an evidence weight is at most \(Int(EvidenceSyntax.largestWeight)), found \(PolicyFormat.number(weight))"
        case .expectedRow(let found):
            "a row starts with 'when' or 'otherwise', found \(found)"
        case .expectedPriority(let found):
            "expected the row's priority, a number, found \(found)"
        case .expectedParameterValue(let found):
            "expected a parameter value (a word such as quarterly, or a percentage such as 40%), found \(found)"
        case .overrideWithoutReason(let found):
            "override must say why: expected 'because \"…\"', found \(found)"
        case .chainedComparison:
            "comparisons do not chain; write 'a < b and b < c'"
        case .assignmentInCondition:
            "'=' assigns; to compare, write '=='"
        case .expectedValue(let found):
            "expected a value, found \(found)"
        case .tooManyOperators(let maximum):
            "expression has more than \(maximum) operators; split it with 'let'"
        case .nestedTooDeeply(let maximum):
            "expression nests more than \(maximum) levels deep; split it with 'let'"
        case .duplicateName(let name):
            "name '\(name)' must be declared once"
        case .duplicateAttribute(let name):
            "attribute '\(name)' must be declared once"
        case .reservedWordAsDerivedName(let word):
            "'\(word)' is a reserved word and cannot name a derived value"
        case .reservedWordAsAttributeName(let word):
            "'\(word)' is a reserved word and cannot name an attribute"
        case .reservedWordAsValue(let word):
            "'\(word)' is a reserved word and cannot be a value"
        case .duplicateValue(let value, let attribute):
            "value '\(value)' must appear once in '\(attribute)'"
        case .tooFewValues(let attribute):
            "'\(attribute)' must have at least two values to choose from"
        case .tooManyValues(let attribute):
            "'\(attribute)' may have at most 64 values"
        case .reversedRange(let min, let max):
            "range must run from low to high, found \(PolicyFormat.number(min))..\(PolicyFormat.number(max))"
        case .literalBelowMinimum(let context, let minimum, let found):
            "\(context) must be at least \(PolicyFormat.number(minimum)), found \(PolicyFormat.number(found))"
        case .literalAboveMaximum(let context, let maximum, let found):
            "\(context) must be at most \(PolicyFormat.number(maximum)), found \(PolicyFormat.number(found))"
        case .literalOfWrongType(let context, let type, let found):
            "\(context) must be \(type), found '\(found)'"
        case .derivedUsedBeforeDefinition(let name):
            "derived value '\(name)' must be defined before it is used"
        case .valueWithoutAttribute(let value, let attribute):
            "'\(value)' is a value of '\(attribute)'; compare it with the attribute, as in \(attribute) == \(value)"
        case .unknownName(let name, let derivedValuesExist):
            "unknown name '\(name)'; it is not an attribute\(derivedValuesExist ? " or a derived value" : "")"
        case .notAValue(let value, let attribute, let listing):
            "'\(value)' is not a value of '\(attribute)' (\(listing))"
        case .notInSet(let value, let set):
            "'\(value)' is not a \(set.ordered ? "level" : "value") of '\(set.name)' (\(set.listing))"
        case .incomparableTypes(let left, let right):
            "cannot compare \(left) with \(right)"
        case .mixedTypesInSet(let expression, let type):
            "a set after 'in' holds values of the same type as '\(expression)' (\(type))"
        case .orderingBooleans(let op):
            "'\(op)' orders values, but yes/no values have no order; use == or !="
        case .orderingEnumeration(let op, let enumeration):
            "'\(op)' orders values, but '\(enumeration)' is an enumeration without order; use ==, != or in {…}"
        case .membershipOfBoolean:
            "'in' needs a level, value or number; for yes/no use =="
        case .notNeedsBoolean(let expression, let type):
            "'not' needs a yes/no value, but '\(expression)' is \(type)"
        case .logicalOperatorNeedsBoolean(let op, let expression, let type):
            "'\(op)' joins yes/no conditions, but '\(expression)' is \(type)"
        case .negationNeedsNumber(let expression, let type):
            "'-' needs a number, but '\(expression)' is \(type)"
        case .arithmeticNeedsNumbers(let op, let expression, let type):
            "'\(op)' needs numbers, but '\(expression)' is \(type)"
        case .conditionNotBoolean(let expression, let type):
            "condition must be yes or no, but '\(expression)' is \(type)"
        case .leanOutsideTable:
            "'lean' is the sum of the evidence, known only in decision table rows"
        case .factOutsideAlert(let fact):
            "'\(fact)' is a key-result fact, known only in alert rules"
        case .unknownDottedName(let name):
            "unknown name '\(name)'"
        case .unknownFact(let fact):
            "unknown key-result fact '\(fact)'"
        case .nonPositiveEvidenceWeight(let weight):
            "evidence weight must be positive, found \(PolicyFormat.number(weight))"
        case .unknownMode(let mode):
            "outcome must be kpi, okr or hybrid, found '\(mode)'"
        case .unknownParameter(let name, let mode):
            "unknown parameter '\(name)' for \(mode.rawValue)"
        case .duplicateParameter(let name):
            "parameter '\(name)' must be given once"
        case .unknownCycle(let parameter, let found):
            "'\(parameter)' must be one of \(CycleLength.allCases.map(\.rawValue).joined(separator: ", ")), found '\(found)'"
        case .percentageOutOfRange(let parameter, let found):
            "'\(parameter)' must be between 0% and 100%, found \(PolicyFormat.number(found))%"
        case .hybridWithoutWeights:
            "hybrid outcome must give its weights, as in hybrid(kpi: 60%, okr: 40%)"
        case .hybridWeightsNotWhole(let kpi, let okr):
            "hybrid weights must add up to 100%, found kpi \(PolicyFormat.percent(kpi)) + okr \(PolicyFormat.percent(okr)) = \(PolicyFormat.percent(kpi + okr))"
        case .sharesNotWhole(let committed, let aspirational):
            "committed and aspirational shares must add up to 100%, found \(PolicyFormat.percent(committed)) + \(PolicyFormat.percent(aspirational))"
        case .unknownPay(let found):
            "'pay' must be separate, partial(P%) or full, found '\(found)'"
        case .unknownRollout(let found):
            "'rollout' must be full, pilot or project, found '\(found)'"
        case .numberForPercentage(let parameter, let number):
            "'\(parameter)' is a percentage; write \(PolicyFormat.number(number <= 1 ? number * 100 : number))%"
        case .expectedPercentage(let parameter, let found):
            "'\(parameter)' is a percentage such as 40%, found '\(found)'"
        case .partialIsWhole(let share):
            "partial(\(PolicyFormat.number(share * 100))%) is the same as \(share == 0 ? "separate" : "full"); say so"
        case .missingDecisionTable:
            "policy must have a decision table: decide { when … => … }"
        case .secondDecisionTable:
            "a policy has one decision table; merge these rows into the first"
        case .unknownHitPolicy(let name):
            "hit policy must be unique, first or priority, found '\(name)'"
        case .rowWithoutPriority:
            "every row of a priority table needs 'priority N'"
        case .priorityOutsidePriorityTable:
            "'priority' is used only in a 'decide priority' table"
        case .secondOtherwise:
            "a table has one 'otherwise' row"
        case .rowAfterOtherwise:
            "row can never fire: the 'otherwise' row above matches every unit first"
        case .emptyDecisionTable:
            "decision table must have at least one row"
        case .unknownAlertSeverity(let found):
            "alert severity must be info, warning or critical, found '\(found)'"
        case .unknownAttributeInExpectation(let name):
            "unknown attribute '\(name)' in expectation"
        case .expectationMissingAttributes(let names):
            "expectation must give every attribute without a default; missing \(names.map { "'\($0)'" }.joined(separator: ", "))"
        case .attributeGivenTwice(let name):
            "attribute '\(name)' is given twice"
        case .duplicateExpectation(let title):
            "expectation names must be unique; '\(title)' is used twice"
        case .invalidAttributeValue(let value, let attribute, let isLevel, let listing):
            "'\(value)' is not a \(isLevel ? "level" : "value") of '\(attribute)' (\(listing))"
        case .attributeValueNotANumber(let attribute, let found):
            "'\(attribute)' must be a number, found '\(found)'"
        case .attributeValueTooLarge(let attribute, let found):
            "'\(attribute)' must lie between -10^15 and 10^15, found \(found)"
        case .attributeValueBelowMinimum(let attribute, let minimum, let found):
            "'\(attribute)' must be at least \(PolicyFormat.number(minimum)), found \(found)"
        case .attributeValueAboveMaximum(let attribute, let maximum, let found):
            "'\(attribute)' must be at most \(PolicyFormat.number(maximum)), found \(found)"
        case .attributeValueNotBoolean(let attribute, let found):
            "'\(attribute)' must be true or false, found '\(found)'"
        case .missingAttributeValue(let unit, let attribute):
            "unit '\(unit)' must have a value for '\(attribute)', set on it or on an ancestor"
        case .attributeNotInSchema(let name):
            "attribute '\(name)' is not in the policy's schema"
        case .unusedAttribute(let name):
            "attribute '\(name)' is declared but never used"
        case .unusedDerivedValue(let name):
            "derived value '\(name)' is defined but never used"
        case .unmentionedValues(let values, let attribute):
            "\(values.count == 1 ? "value" : "values") \(values.map { "'\($0)'" }.joined(separator: ", ")) of '\(attribute)' \(values.count == 1 ? "is" : "are") never mentioned by a rule; units with \(values.count == 1 ? "it" : "them") are decided by the other attributes"
        case .tableHasGaps:
            "the decision table leaves some units without a decision; add rows or an 'otherwise'"
        case .overlappingRows(let rows, let region):
            "rows \(rows.map(String.init).joined(separator: " and ")) of this unique table both match units with \(region)"
        case .deadRow(let row):
            "row \(row) can never decide: its condition holds for no unit the overrides leave to the table"
        case .shadowedRow(let row, let by, let firstHit):
            "row \(row) never decides: \(firstHit ? "row \(by) above matches every unit it matches" : "a row of higher priority matches every unit it matches")"
        case .deadEvidence:
            "evidence rule can never fire: its condition holds for no unit"
        case .deadOverride:
            "override can never apply: its condition holds for no unit"
        case .notAnalysed:
            "the decision logic was not analysed: gaps, overlaps, dead and shadowed rows are unknown"
        case .analysisStoppedEarly(let budget, let boxes, let cellsExamined, let spaceCells):
            "the analysis stopped at its budget (\(budget.grouped) rule evaluations, \(boxes.grouped) boxes), having examined \(String(format: "%.1f", spaceCells > 0 ? cellsExamined / spaceCells * 100 : 0))% of the attribute space: what it lists was found there; rows it does not list as dead or shadowed may still be"
        case .approximateAnalysis:
            "some conditions do arithmetic on numbers: the analysis decided those cells from one representative unit each"
        }
    }

    /// The id of `numberTooLarge`, to find those diagnostics among others.
    public static var numberTooLargeID: String { PolicyDiagnostic.numberTooLarge(written: "").id }
}
