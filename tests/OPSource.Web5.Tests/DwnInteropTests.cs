using System.Text.Json.Nodes;
using OPSource.TestSupport;
using OPSource.Web5.Dids;
using OPSource.Web5.Dwn;

namespace OPSource.Web5.Tests;

/// <summary>
/// DWN messages against @tbd54566975/dwn-sdk-js 0.5.2 (tests/peers/web5/dwn.mjs): data CIDs agree, messages
/// the reference signs parse and authenticate here with the same CIDs and record IDs, ours parse and
/// authenticate there, and both refuse the same protocol definitions.
/// </summary>
public sealed class DwnInteropTests
{
    private static readonly DidResolver Resolver = new([new DidKeyMethod(), new DidJwkMethod()]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Data_cids_agree_with_dwn_sdk_js_across_dag_layers()
    {
        NodePeer.Require();

        // 175 full chunks and a tail need a second balanced layer (174 links per node).
        int[] sizes = [0, 7, 262143, 262144, 262145, 524288, (175 * DwnDataCid.ChunkSize) + 5];
        var theirs = await NodePeer.RunDwnJsonAsync(Ct, ["data-cid", .. sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        foreach (var size in sizes)
        {
            Assert.Equal(theirs[size.ToString(System.Globalization.CultureInfo.InvariantCulture)]!.GetValue<string>(), DwnDataCid.Compute(DwnMessageTests.Pattern(size)));
        }
    }

    [Theory]
    [InlineData("Ed25519")]
    [InlineData("secp256k1")]
    public async Task Messages_signed_by_dwn_sdk_js_are_accepted_here(string curve)
    {
        NodePeer.Require();
        using var author = DidFactory.CreateKey(curve);
        var portable = System.Text.Encoding.UTF8.GetString(author.ToPortableUtf8());
        var definition = Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "chat.json");
        var created = await NodePeer.RunDwnJsonAsync(Ct, "create", portable, definition);

        foreach (var record in created["records"]!.AsArray())
        {
            var message = record!["message"]!.AsObject();
            var parsed = await RecordsWrite.ParseAsync(message, Resolver, Ct);
            Assert.Equal(author.Uri, parsed.Author);
            Assert.True(parsed.IsInitialWrite);
            Assert.Equal(record["message_cid"]!.GetValue<string>(), parsed.MessageCid);
            RecordsWrite.CheckData(parsed.Descriptor, Convert.FromBase64String(record["data_b64"]!.GetValue<string>()));
        }

        var configure = created["protocol"]!["message"]!.AsObject();
        var parsedConfigure = await ProtocolsConfigure.ParseAsync(configure, Resolver, Ct);
        Assert.Equal(author.Uri, parsedConfigure.Author);
        Assert.Equal(created["protocol"]!["message_cid"]!.GetValue<string>(), parsedConfigure.MessageCid);

        // Their protocol record was written under the definition: the root's contextId is its recordId.
        var root = await RecordsWrite.ParseAsync(created["records"]![1]!["message"]!.AsObject(), Resolver, Ct);
        Assert.Equal(root.RecordId, root.ContextId);
    }

    [Theory]
    [InlineData("Ed25519")]
    [InlineData("secp256k1")]
    public async Task Messages_signed_here_are_accepted_by_dwn_sdk_js(string curve)
    {
        NodePeer.Require();
        using var author = DidFactory.CreateKey(curve);
        var data = DwnMessageTests.Pattern(300_000);
        var definition = JsonNode.Parse(Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "chat.json"))!.AsObject();
        JsonObject[] messages =
        [
            RecordsWrite.Create(author, data, new RecordsWriteOptions { DataFormat = "application/octet-stream", Schema = "example.com/blob", Published = true, Tags = new JsonObject { ["n"] = 3, ["ok"] = true } }),
            RecordsWrite.Create(author, "{\"title\":\"hi\"}"u8, new RecordsWriteOptions { DataFormat = "application/json", Protocol = "http://chat-protocol.xyz", ProtocolPath = "thread", Schema = "thread", Recipient = "did:example:bob" }),
            ProtocolsConfigure.Create(author, definition),
        ];
        foreach (var message in messages)
        {
            var theirs = await NodePeer.RunDwnJsonAsync(Ct, "parse", message.ToJsonString());
            Assert.Equal(author.Uri, theirs["author"]!.GetValue<string>());
            Assert.Equal(DwnMessage.ComputeCid(message), theirs["message_cid"]!.GetValue<string>());
            if (message["recordId"] is { } recordId)
            {
                Assert.Equal(recordId.GetValue<string>(), theirs["record_id"]!.GetValue<string>());
                Assert.True(theirs["initial"]!.GetValue<bool>());
            }
        }
    }

    [Fact]
    public async Task Protocol_definition_verdicts_agree_with_dwn_sdk_js()
    {
        NodePeer.Require();
        foreach (var (name, definition) in DwnMessageTests.InvalidDefinitions())
        {
            var theirs = await NodePeer.RunDwnJsonAsync(Ct, "definition", definition.ToJsonString());
            Assert.True(theirs["error"] is not null, $"{name}: dwn-sdk-js accepted it");
        }

        var valid = await NodePeer.RunDwnJsonAsync(Ct, "definition", Vectors.ReadText("web5", "dwn-sdk-js", "protocol-definitions", "chat.json"));
        Assert.Null(valid["error"]);
    }
}
