using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using OPSource.TestSupport;
using OPSource.Web5.Handshake;

namespace OPSource.Web5.Tests;

public class HandshakeUnitTests
{
    [Theory]
    [InlineData("alice", true)]
    [InlineData("ops-1a2b", true)]
    [InlineData("xn--5ca", true)]
    [InlineData("example.com", false)] // an ICANN host has a dot
    [InlineData("127.0.0.1", false)]
    [InlineData("localhost", false)] // RFC 6761 6.3: never sent to a DNS server
    [InlineData("-bad", false)]
    [InlineData("", false)]
    public void Did_web_hosts_of_handshake_names_are_one_valid_label(string host, bool expected) =>
        Assert.Equal(expected, HnsHostResolver.IsHandshakeHost(host));

    [Fact]
    public void Plain_http_for_handshake_did_web_is_refused_outside_regtest()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Web5:Handshake:DidWebHttpPort"] = "8080" }).Build().GetSection("Web5");
        Assert.Equal(8080, Web5Options.Bind(configuration, Bitcoin.Network.Regtest, out var none).Handshake.DidWebHttpPort);
        Assert.Empty(none);
        foreach (var network in new[] { Bitcoin.Network.Mainnet, Bitcoin.Network.Testnet, Bitcoin.Network.Signet })
        {
            Assert.Null(Web5Options.Bind(configuration, network, out var problems).Handshake.DidWebHttpPort);
            Assert.Contains(problems, p => p.Contains("DidWebHttpPort is allowed on regtest only", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Name_hashes_match_hsd_test_data()
    {
        // hsd test/data/ns-names.json is keyed by the SHA3-256 name hash.
        var names = JsonNode.Parse(Vectors.ReadText(["handshake", "hsd", "ns-names.json"]))!.AsObject();
        Assert.NotEmpty(names);
        foreach (var (hash, entry) in names)
        {
            Assert.Equal(hash, Convert.ToHexStringLower(HnsName.Hash(entry!["name"]!.GetValue<string>())));
        }
    }

    [Theory]
    [InlineData("alice", true, "alice")]
    [InlineData("Alice.", true, "alice")]
    [InlineData("a-b_c9", true, "a-b_c9")]
    [InlineData("-ab", false, null)]
    [InlineData("ab_", false, null)]
    [InlineData("a.b", false, null)]
    [InlineData("", false, null)]
    [InlineData("é", false, null)]
    public void Name_rules(string input, bool valid, string? normalized)
    {
        Assert.Equal(valid, HnsName.TryNormalize(input, out var name, out var error));
        if (valid)
        {
            Assert.Equal(normalized, name);
        }
        else
        {
            Assert.StartsWith("hns: ", error, StringComparison.Ordinal);
        }

        Assert.False(HnsName.TryNormalize(new string('a', 64), out _, out _));
    }

    [Fact]
    public void Resource_decodes_every_record_type_and_compressed_names()
    {
        // version 0; GLUE4 ns1.x. 10.0.0.1; NS pointing at offset 2 (ns1.x.); SYNTH6 ::1; TXT ["a","bc"]; DS; then an unknown type ends the list.
        byte[] data =
        [
            0x00,
            0x02, 3, (byte)'n', (byte)'s', (byte)'1', 1, (byte)'x', 0, 10, 0, 0, 1,
            0x01, 0xc0, 0x02,
            0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            0x06, 2, 1, (byte)'a', 2, (byte)'b', (byte)'c',
            0x00, 0x44, 0x90, 8, 2, 2, 0xab, 0xcd,
            0x09, 0xff,
        ];
        var records = HnsResource.Decode(data);
        Assert.Equal(["GLUE4", "NS", "SYNTH6", "TXT", "DS"], records.Select(r => r.Type));
        Assert.Equal("ns1.x.", records[0].Ns);
        Assert.Equal("10.0.0.1", records[0].Address!.ToString());
        Assert.Equal("ns1.x.", records[1].Ns);
        Assert.Equal("::1", records[2].Address!.ToString());
        Assert.Equal(["a", "bc"], records[3].TxtText);
        Assert.Equal("""{"type":"DS","keyTag":17552,"algorithm":8,"digestType":2,"digest":"abcd"}""", records[4].ToJson().ToJsonString());

        Assert.Throws<OPSource.Bitcoin.BitcoinFormatException>(() => HnsResource.Decode([0x01]));
        Assert.Throws<OPSource.Bitcoin.BitcoinFormatException>(() => HnsResource.Decode([0x00, 0x06, 2, 1, (byte)'a']));
        Assert.Throws<OPSource.Bitcoin.BitcoinFormatException>(() => HnsResource.Decode([0x00, 0x01, 0xc0, 0x01])); // a pointer loop
    }

    [Fact]
    public void Linked_dids_come_from_txt_then_did_web()
    {
        Assert.Equal("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", HandshakeResolver.DidFromTxt("did=did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"));
        Assert.Equal("did:web:example.com", HandshakeResolver.DidFromTxt("did:web:example.com"));
        Assert.Null(HandshakeResolver.DidFromTxt("v=spf1 -all"));
        Assert.Null(HandshakeResolver.DidFromTxt("did=not a did"));
        var txt = new HnsRecord("TXT", Txt: [System.Text.Encoding.UTF8.GetBytes("hello"), System.Text.Encoding.UTF8.GetBytes("did=did:web:example.com")]);
        var synth = new HnsRecord("SYNTH4", Address: System.Net.IPAddress.Loopback);
        Assert.Equal("did:web:example.com", HandshakeResolver.LinkedDidOf("alice", [synth, txt]));
        Assert.Equal("did:web:alice", HandshakeResolver.LinkedDidOf("alice", [synth]));
        Assert.Null(HandshakeResolver.LinkedDidOf("alice", [new HnsRecord("NS", Ns: "ns1.alice.")]));
        var split = new HnsRecord("TXT", Txt: [.. new[] { "did=did:web:exa", "mple.com" }.Select(System.Text.Encoding.UTF8.GetBytes)]);
        Assert.Equal("did:web:example.com", HandshakeResolver.LinkedDidOf("alice", [split]));
    }

    [Fact]
    public void Malformed_proofs_are_refused_with_the_member_named()
    {
        var e = Assert.Throws<OPSource.Bitcoin.BitcoinFormatException>(() => UrkelProof.FromJson(JsonNode.Parse("""{"type":"TYPE_EXISTS","depth":1,"nodes":[["0","00"]],"value":"00"}""")!.AsObject()));
        Assert.Contains("node hash", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<OPSource.Bitcoin.BitcoinFormatException>(() => UrkelProof.FromJson(JsonNode.Parse("""{"type":"TYPE_X","depth":1,"nodes":[]}""")!.AsObject()));
        Assert.Contains("unknown type", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<OPSource.Bitcoin.BitcoinFormatException>(() => UrkelProof.FromJson(JsonNode.Parse("""{"type":"TYPE_DEADEND","depth":300,"nodes":[]}""")!.AsObject()));
        Assert.Contains("depth", e.Message, StringComparison.Ordinal);

        // An empty tree's root is 32 zero bytes: a dead-end proof at depth 0 verifies against it.
        var empty = UrkelProof.FromJson(JsonNode.Parse("""{"type":"TYPE_DEADEND","depth":0,"nodes":[]}""")!.AsObject());
        Assert.Equal(UrkelProofError.None, empty.Verify(new byte[32], HnsName.Hash("alice"), out var value));
        Assert.Null(value);
        Assert.Equal(UrkelProofError.HashMismatch, empty.Verify(Enumerable.Repeat((byte)1, 32).ToArray(), HnsName.Hash("alice"), out _));
    }
}
