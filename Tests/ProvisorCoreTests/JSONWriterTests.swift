import Foundation
import Testing

@testable import ProvisorCore

struct JSONWriterTests {
    @Test func stringsAreEscapedAsJSONAndReadBackTheSame() throws {
        let texts = ["plain", #"a "quoted" \ back"#, "line\nbreak\ttab\r\u{01}", "Zürich — 東京 🚀", "<script>x</script>", ""]
        var writer = JSONWriter(pretty: false)
        writer.beginArray()
        for text in texts { writer.string(text) }
        writer.endArray()
        let read = try JSONSerialization.jsonObject(with: Data(writer.text.utf8)) as? [String]
        #expect(read == texts)
        #expect(writer.text.contains(#""line\nbreak\ttab\r\u0001""#))
        // Without scriptSafe, "<" is itself; the String form gives the same text.
        #expect(writer.text.contains("<script>"))
        var viaString = ""
        JSONWriter.appendString(texts[1], to: &viaString)
        #expect(viaString == #""a \"quoted\" \\ back""#)
    }

    @Test func scriptSafeWritesNoLessThanSoNoValueCanCloseAScript() throws {
        var writer = JSONWriter(pretty: false, scriptSafe: true)
        writer.beginObject()
        writer.member("<key>", "</script><script>alert(1)</script>")
        writer.endObject()
        #expect(!writer.text.contains("<"))
        #expect(writer.text == #"{"\u003ckey>":"\u003c/script>\u003cscript>alert(1)\u003c/script>"}"#)
        let read = try JSONSerialization.jsonObject(with: Data(writer.text.utf8)) as? [String: String]
        #expect(read == ["<key>": "</script><script>alert(1)</script>"])
    }

    @Test func prettyAndCompactLayouts() {
        var pretty = JSONWriter()
        pretty.beginObject()
        pretty.member("a", 1)
        pretty.key("b")
        pretty.beginArray()
        pretty.boolean(true)
        pretty.null()
        pretty.endArray()
        pretty.endObject()
        #expect(pretty.text == "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ]\n}")
    }
}
