import Foundation
import ProvisorEngineKit
import Testing

@testable import ProvisorSimulatedEngine

/// The engine kit's own JSON reading and writing (`JSONValue(parsing:)`, `jsonText`): each must
/// agree exactly with JSONDecoder and JSONLine (JSONEncoder), which it stands in for where an
/// engine handles its whole tenant model, and refuse what is not JSON.
@Suite struct JSONValueTextTests {
    static let texts = [
        #""plain""#, #""tab\there \"quoted\" back\\slash \/ \b\f\r\n""#, #""\u00e9 \ud83d\ude00 é ✓""#, #""""#,
        "10", "10.0", "1e2", "-0", "1.5", "-12", "1e-7", "4.8", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "true", "false", "null", "[]", "{}", #"[1, "two", [3.5, null], {"x": false}]"#,
        #" { "b" : 1 , "a" : { "nested" : [ "x" , "y" ] } , "c" : "" } "#,
        #"{"address":"customer/C1/user/ann","attributes":{"plan.costPrice":4.8,"seats":10.0,"tags":["a","b"]}}"#,
    ]

    @Test(arguments: texts)
    func readsAsJSONDecoderDoes(_ text: String) throws {
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(JSONValue(parsing: Array(text.utf8)) == decoded)
        #expect(JSONValue(parsing: Data(text.utf8)) == decoded)
    }

    @Test func numbersAsWrittenKeepAFractionAsJSONSerializationDoes() {
        for (text, expected) in [("10.0", JSONValue.number(10)), ("1e2", .number(100)), ("-0.0", .number(-0.0)), ("10", .integer(10)), ("-3", .integer(-3))] {
            #expect(JSONValue(parsing: Array(text.utf8), numbersAsWritten: true) == expected, "\(text)")
        }
        #expect(JSONValue(parsing: Array("10.0".utf8)) == .integer(10), "JSONDecoder's way is the default")
    }

    static let notJSON = [
        "", " ", #"{"a":1"#, #"{"a":1} x"#, "[1,]", "[1 2]", #"{"a" 1}"#, #"{a:1}"#, "01", "1.", "-", ".5", "1e", "+1", "tru", "nul",
        "\"raw\ttab\"", #""\ud83d""#, #""\ud83d\u0041""#, #""\x""#, #""\u12""#, #""unterminated"#, #""ends in \"#, "NaN", "Infinity",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ]

    @Test(arguments: notJSON)
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(JSONValue(parsing: Array(text.utf8)) == nil, "'\(text.prefix(40))' is not JSON")
        // JSONDecoder refuses them too, but for a trailing comma, which it lets pass.
        if text.count < 100, text != "[1,]" {
            #expect(throws: (any Error).self) { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
        }
    }

    static let values: [JSONValue] = [
        .string("a/b \"q\" \\ \u{1} \u{1B} \u{7F} é ✓ \n\t\r \u{8}\u{C}"), .integer(-42), .number(10.0), .number(4.8), .number(1e-7), .number(1e21),
        .number(-0.5), .bool(true), .null, .array([.integer(1), .string("x"), .array([])]),
        .object(["b": .integer(1), "a": .object(["z": .null, "y": .array([.string("x")])]), "A": .string("")]),
    ]

    @Test(arguments: values)
    func writesAsJSONLineDoes(_ value: JSONValue) throws {
        let written = value.jsonText
        #expect(written == JSONLine.encode(value))
        #expect(JSONValue(parsing: Array(written.utf8)) == (try JSONDecoder().decode(JSONValue.self, from: Data(written.utf8))))
    }

    @Test func aLogLineReadsAsJSONDecoderReadsIt() throws {
        var kept = KeptRecord(
            message: [
                "attributes": ["plan.costPrice": 4.8, "seats": 10, "password": "x", "tags": ["a"]], "sensitive": ["password"], "customer": ["code": "C1"],
            ],
            address: "customer/C1/user/ann/service/m365", kind: "user-service")
        kept.outputs = ["objectId": "0b1c"]
        let entries = [
            LogEntry(
                id: "m1", action: "provision", address: "customer/C1/user/ann/service/m365", kind: "user-service", outcome: "applied", record: kept, at: 1.5),
            LogEntry(id: "m2", action: "update", address: "customer/C1", outcome: "rejected", error: "no \"such\" customer\n", at: 7, engine: "e"),
            LogEntry(id: "m3", action: "deprovision", address: "customer/C1/user/ann", outcome: "applied", outputs: [:]),
        ]
        for entry in entries {
            let line = JSONLine.encode(entry)
            #expect(LogEntry(line: Array(line.utf8)) == entry, "\(line)")
            #expect(LogEntry(line: Array(line.utf8)) == (try JSONDecoder().decode(LogEntry.self, from: Data(line.utf8))))
        }
        // What it does not read itself, it leaves to JSONDecoder: a subscription, or a member of
        // the wrong type (which JSONDecoder refuses too, so the line is skipped).
        var licensed = entries[0]
        licensed.subscription = SimulatedSubscription(id: "s1", customer: "C1", sku: "SKU", quantity: 3)
        #expect(LogEntry(line: Array(JSONLine.encode(licensed).utf8)) == nil)
        let wrong = #"{"id":"m4","action":"update","outcome":"applied","address":7}"#
        #expect(LogEntry(line: Array(wrong.utf8)) == nil)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(LogEntry.self, from: Data(wrong.utf8)) }
    }
}
