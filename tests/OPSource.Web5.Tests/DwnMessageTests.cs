using System.Text.Json.Nodes;
using OPSource.TestSupport;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Tests;

/// <summary>
/// DWN message layer: data CIDs (UnixFS), message CIDs, RecordsWrite and ProtocolsConfigure signing, parsing
/// and authentication, protocol definition rules (the dwn-sdk-js fixtures in ../shared/vectors/web5/dwn-sdk-js).
/// </summary>
public sealed class DwnMessageTests
{
    private static readonly DidResolver Resolver = new([new DidKeyMethod(), new DidJwkMethod()]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static byte[] Pattern(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)((i * 31) + 7);
        }

        return bytes;
    }

    // Outputs of @tbd54566975/dwn-sdk-js 0.5.2 Cid.computeDagPbCidFromBytes (node tests/peers/web5/dwn.mjs data-cid ...):
    // one raw leaf up to 262144 bytes, a dag-pb UnixFS file node above that.
    [Theory]
    [InlineData(0, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")]
    [InlineData(1, "bafkreigkgwdvr5wspzwpiutssn4xpj2i7wedshnwphhnu7ohx4pqaxxipe")]
    [InlineData(1000, "bafkreicqs7t5lbzvf5ijobrk4z47g662labnt6dvvoquzdfu2gqyrlnbpe")]
    [InlineData(262144, "bafkreigtb2zed6k6pq34amzfdj4ovylbble3alojsysuiikydagtlammdm")]
    [InlineData(262145, "bafybeif4z4ikxldcsjhv2l4sxmk57abnwjkwpa57gopqjvdhkyxddhmzf4")]
    [InlineData(786449, "bafybeifddwzth5l772digwbzux3n3dztpmokg7axhv4budrxz4jbixctxa")]
    public async Task Data_cid_matches_dwn_sdk_js(int size, string expected)
    {
        var data = Pattern(size);
        Assert.Equal(expected, DwnDataCid.Compute(data));
        using var stream = new MemoryStream(data);
        var (cid, length) = await DwnDataCid.ComputeAsync(stream, Ct);
        Assert.Equal(expected, cid);
        Assert.Equal(size, length);
    }

    [Fact]
    public void Timestamps_have_microseconds_in_utc()
    {
        var t = new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.FromHours(2)).AddTicks(1234567);
        Assert.Equal("2024-02-29T21:59:58.123456Z", DwnMessage.Timestamp(t));
        Assert.True(DwnMessage.IsTimestamp("2024-02-29T21:59:58.123456Z"));
        Assert.False(DwnMessage.IsTimestamp("2024-02-29T21:59:58.123Z"));
        Assert.False(DwnMessage.IsTimestamp("2024-02-29T21:59:58.123456+00:00"));
    }

    [Theory]
    [InlineData("example.com/schema", "http://example.com/schema")]
    [InlineData("https://example.com/protocol/", "https://example.com/protocol")]
    [InlineData("https://Example.COM/a?q=1#frag", "https://example.com/a")]
    [InlineData("https://example.com", "https://example.com")]
    [InlineData("thread", "http://thread")]
    public void Urls_normalize_as_dwn_sdk_js(string input, string expected) => Assert.Equal(expected, DwnUrl.Normalize(input));

    [Theory]
    [InlineData("Ed25519")]
    [InlineData("secp256k1")]
    public async Task Records_write_round_trip_and_tampering_is_refused(string curve)
    {
        using var author = DidFactory.CreateKey(curve);
        var data = "hello dwn"u8.ToArray();
        var message = RecordsWrite.Create(author, data, new RecordsWriteOptions { DataFormat = "text/plain", Schema = "https://schema.org/Note", Published = true, Tags = new JsonObject { ["topic"] = "x" } });
        var parsed = await RecordsWrite.ParseAsync(message, Resolver, Ct);
        Assert.Equal(author.Uri, parsed.Author);
        Assert.True(parsed.IsInitialWrite);
        Assert.Equal(RecordsWrite.EntryId(author.Uri, parsed.Descriptor), parsed.RecordId);
        Assert.Equal(Cid.ComputeDagCbor(message), parsed.MessageCid);
        Assert.Equal(parsed.Descriptor.GetString("dateCreated"), parsed.Descriptor.GetString("datePublished"));
        RecordsWrite.CheckData(parsed.Descriptor, data);
        Assert.Equal(DwnErrorCode.RecordsWriteDataCidMismatch, Assert.Throws<DwnException>(() => RecordsWrite.CheckData(parsed.Descriptor, "hello dwN"u8)).Code);
        Assert.Equal(DwnErrorCode.RecordsWriteDataSizeMismatch, Assert.Throws<DwnException>(() => RecordsWrite.CheckData(parsed.Descriptor, "hello"u8)).Code);

        var tampered = (JsonObject)message.DeepClone();
        tampered["descriptor"]!["dataFormat"] = "application/json";
        Assert.Equal(DwnErrorCode.AuthenticateDescriptorCidMismatch, (await Assert.ThrowsAsync<DwnException>(() => RecordsWrite.ParseAsync(tampered, Resolver, Ct))).Code);

        tampered = (JsonObject)message.DeepClone();
        tampered["recordId"] = Cid.ComputeDagCbor(new JsonObject { ["other"] = 1 });
        Assert.Equal(DwnErrorCode.RecordsWriteValidateIntegrityRecordIdUnauthorized, (await Assert.ThrowsAsync<DwnException>(() => RecordsWrite.ParseAsync(tampered, Resolver, Ct))).Code);

        tampered = (JsonObject)message.DeepClone();
        var signature = tampered["authorization"]!["signature"]!["signatures"]![0]!;
        var sig = B64Url.Decode(signature["signature"]!.GetValue<string>(), "sig");
        sig[5] ^= 1;
        signature["signature"] = B64Url.Encode(sig);
        Assert.Equal(DwnErrorCode.GeneralJwsVerifierInvalidSignature, (await Assert.ThrowsAsync<DwnException>(() => RecordsWrite.ParseAsync(tampered, Resolver, Ct))).Code);

        tampered = (JsonObject)message.DeepClone();
        tampered["descriptor"]!["extra"] = 1;
        Assert.Equal(DwnErrorCode.SchemaValidatorFailure, (await Assert.ThrowsAsync<DwnException>(() => RecordsWrite.ParseAsync(tampered, Resolver, Ct))).Code);

        tampered = (JsonObject)message.DeepClone();
        ((JsonArray)tampered["authorization"]!["signature"]!["signatures"]!).Add(signature.DeepClone());
        Assert.Equal(DwnErrorCode.AuthenticationMoreThanOneSignatureNotSupported, (await Assert.ThrowsAsync<DwnException>(() => RecordsWrite.ParseAsync(tampered, Resolver, Ct))).Code);
    }

    [Fact]
    public async Task Protocol_records_carry_context_ids()
    {
        using var author = DidFactory.CreateKey("Ed25519");
        var root = RecordsWrite.Create(author, "{}"u8, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "https://example.com/chat/", ProtocolPath = "thread", Schema = "thread" });
        var parsedRoot = await RecordsWrite.ParseAsync(root, Resolver, Ct);
        Assert.Equal("https://example.com/chat", parsedRoot.Descriptor.GetString("protocol"));
        Assert.Equal("http://thread", parsedRoot.Descriptor.GetString("schema"));
        Assert.Equal(parsedRoot.RecordId, parsedRoot.ContextId);

        var child = RecordsWrite.Create(author, "{}"u8, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "https://example.com/chat", ProtocolPath = "thread/message", Schema = "message", ParentContextId = parsedRoot.ContextId });
        var parsedChild = await RecordsWrite.ParseAsync(child, Resolver, Ct);
        Assert.Equal(parsedRoot.RecordId, parsedChild.Descriptor.GetString("parentId"));
        Assert.Equal(parsedRoot.ContextId + "/" + parsedChild.RecordId, parsedChild.ContextId);

        // A root record's contextId must be its recordId, and both are signed.
        var wrong = (JsonObject)root.DeepClone();
        wrong["contextId"] = parsedChild.RecordId;
        Assert.Equal(DwnErrorCode.RecordsWriteValidateIntegrityContextIdMismatch, (await Assert.ThrowsAsync<DwnException>(() => RecordsWrite.ParseAsync(wrong, Resolver, Ct))).Code);
    }

    public static TheoryData<string> Fixtures() =>
        [.. Directory.GetFiles(Vectors.Path("web5", "dwn-sdk-js", "protocol-definitions"), "*.json").Select(f => Path.GetFileName(f.AsSpan()).ToString()).Order()];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Protocol_definition_fixtures_configure_and_parse(string file)
    {
        var definition = JsonNode.Parse(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", file))!.AsObject();
        using var author = DidFactory.CreateKey("Ed25519");
        var message = ProtocolsConfigure.Create(author, definition);
        var parsed = await ProtocolsConfigure.ParseAsync(message, Resolver, Ct);
        Assert.Equal(author.Uri, parsed.Author);
        Assert.Equal(DwnUrl.Normalize(definition.GetString("protocol")!), parsed.Protocol);
        Assert.Equal(Cid.ComputeDagCbor(message), parsed.MessageCid);
    }

    internal static IEnumerable<(string Name, JsonObject Definition)> InvalidDefinitions()
    {
        JsonObject Chat() => JsonNode.Parse(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "chat.json"))!.AsObject();
        JsonObject Thread(JsonObject d) => (JsonObject)d["structure"]!["thread"]!;

        var d1 = Chat();
        Thread(d1)["undeclared"] = new JsonObject();
        yield return ("undeclared type", d1);
        var d2 = Chat();
        ((JsonArray)Thread(d2)["$actions"]!).Add((JsonNode)new JsonObject { ["who"] = "anyone", ["of"] = "thread", ["can"] = new JsonArray("read") });
        yield return ("anyone with of", d2);
        var d3 = Chat();
        ((JsonArray)Thread(d3)["$actions"]!).Add((JsonNode)new JsonObject { ["who"] = "author", ["can"] = new JsonArray("read") });
        yield return ("author without of", d3);
        var d4 = Chat();
        ((JsonArray)Thread(d4)["$actions"]!).Add((JsonNode)new JsonObject { ["who"] = "recipient", ["of"] = "thread", ["can"] = new JsonArray("update") });
        yield return ("update without create", d4);
        var d5 = Chat();
        ((JsonArray)Thread(d5)["$actions"]!).Add((JsonNode)new JsonObject { ["who"] = "anyone", ["can"] = new JsonArray("read") });
        yield return ("duplicate actor", d5);
        var d6 = Chat();
        ((JsonArray)Thread(d6)["$actions"]!).Add((JsonNode)new JsonObject { ["role"] = "thread/participant", ["can"] = new JsonArray("read") });
        yield return ("missing role", d6);
        var d7 = Chat();
        Thread(d7)["$size"] = new JsonObject { ["min"] = 5, ["max"] = 2 };
        yield return ("size max below min", d7);
        var d8 = Chat();
        ((JsonArray)Thread(d8)["$actions"]!).Add((JsonNode)new JsonObject { ["who"] = "recipient", ["can"] = new JsonArray("read") });
        yield return ("recipient without of reading", d8);
    }

    [Fact]
    public void Invalid_protocol_definitions_are_refused_with_the_rule_named()
    {
        using var author = DidFactory.CreateKey("Ed25519");
        foreach (var (name, definition) in InvalidDefinitions())
        {
            var e = Record.Exception(() => ProtocolsConfigure.Create(author, definition)) as DwnException;
            Assert.True(e is not null, name + ": accepted");
            Assert.True(e.Code == DwnErrorCode.ProtocolsConfigureInvalidDefinition, name + ": " + e.Code);
            Assert.StartsWith("protocol definition: ", e.Message, StringComparison.Ordinal);
        }
    }
}
