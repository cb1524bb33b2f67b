using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;
using OPSource.Web5.Encoding;
using OPSource.Web5.Keys;

namespace OPSource.Web5.Tests;

/// <summary>
/// Portable DIDs exported encrypted (key envelope: Argon2id + XChaCha20-Poly1305) and imported into another node,
/// and StatusList2021 credentials (bitstring encoding, status checks, signed list credentials).
/// </summary>
public sealed class KeysAndStatusListTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("opsource-web5-keys-").FullName;
    private Web5TestDatabase? _first;
    private Web5TestDatabase? _second;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _first = await Web5TestDatabase.CreateAsync("sqlite", Ct);
        _second = await Web5TestDatabase.CreateAsync("sqlite", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private Web5Service Service(Web5TestDatabase db, string passphrase)
    {
        var file = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, passphrase);
        return new Web5Service(new DidStore(db.Database) { Cost = Argon2Cost.Testing }, new Web5Options { PassphraseFile = file }, new HttpClient(), _dir);
    }

    [Theory]
    [InlineData("key", "Ed25519")]
    [InlineData("jwk", "secp256k1")]
    public async Task An_encrypted_export_hides_the_keys_and_imports_only_with_its_passphrase(string method, string curve)
    {
        var here = Service(_first!, "node one passphrase");
        var there = Service(_second!, "node two passphrase");
        var did = await here.CreateDidAsync(method, curve, null, Ct);
        var plain = await here.ExportAsync(did.Uri, ReadOnlyMemory<byte>.Empty, Ct);
        var secret = Web5Json.ParseObject(plain, "plain export")["privateKeys"]![0]!["d"]!.GetValue<string>();

        var exportPassphrase = System.Text.Encoding.UTF8.GetBytes("transfer passphrase");
        var sealedExport = await here.ExportAsync(did.Uri, exportPassphrase, Ct);
        var text = System.Text.Encoding.UTF8.GetString(sealedExport);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        var outer = Web5Json.ParseObject(sealedExport, "sealed export");
        Assert.Equal(did.Uri, outer.GetString("uri"));
        var envelope = outer["encryptedPortableDid"]!.AsObject();
        Assert.Equal("argon2id", envelope.GetString("kdf"));
        Assert.Equal("xchacha20poly1305", envelope.GetString("aead"));

        // Without or with a wrong passphrase nothing is imported; an altered envelope fails authentication.
        var none = await Assert.ThrowsAsync<Web5Exception>(() => there.ImportAsync(sealedExport, ReadOnlyMemory<byte>.Empty, Ct));
        Assert.Equal(Web5ErrorKind.Passphrase, none.Kind);
        var wrong = await Assert.ThrowsAsync<Web5Exception>(() => there.ImportAsync(sealedExport, System.Text.Encoding.UTF8.GetBytes("guess"), Ct));
        Assert.Equal(Web5ErrorKind.Passphrase, wrong.Kind);
        var altered = (JsonObject)outer.DeepClone();
        var ct = B64Url.Decode(altered["encryptedPortableDid"]!["ct"]!.GetValue<string>(), "ct");
        ct[0] ^= 1;
        altered["encryptedPortableDid"]!["ct"] = B64Url.Encode(ct);
        var tampered = await Assert.ThrowsAsync<Web5Exception>(() => there.ImportAsync(Web5Json.SerializeUtf8(altered), exportPassphrase, Ct));
        Assert.Equal(Web5ErrorKind.Passphrase, tampered.Kind);
        Assert.Empty(await there.ListAsync(Ct));

        // With it, the same DID and keys arrive; the other node can sign as the DID.
        var imported = await there.ImportAsync(sealedExport, exportPassphrase, Ct);
        Assert.Equal(did.Uri, imported.Uri);
        Assert.Equal(plain, await there.ExportAsync(did.Uri, ReadOnlyMemory<byte>.Empty, Ct));
        var jwt = await there.IssueCredentialAsync(did.Uri, did.Uri, "Membership", new JsonObject { ["role"] = "member" }, null, Ct);
        var verified = await here.VerifyCredentialAsync(jwt, Ct);
        Assert.Equal(did.Uri, verified.Issuer);

        // The importing node stores the keys under its own passphrase: the export passphrase does not open them.
        var wrongNode = Service(_second!, "transfer passphrase");
        var locked = await Assert.ThrowsAsync<Web5Exception>(() => wrongNode.OpenAsync(did.Uri, Ct));
        Assert.Equal(Web5ErrorKind.Passphrase, locked.Kind);
    }

    [Fact]
    public void The_spec_example_list_is_all_clear_and_set_bits_read_back()
    {
        // StatusList2021 spec example 1: an empty 16 KiB list.
        const string example = "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
        Assert.False(StatusList.GetBit(example, 94567));
        Assert.False(StatusList.GetBit(example, 0));
        Assert.False(StatusList.GetBit(example, StatusList.Size - 1));

        int[] set = [0, 7, 8, 94567, StatusList.Size - 1];
        var encoded = StatusList.Encode(set);
        foreach (var i in new[] { 0, 1, 6, 7, 8, 9, 94566, 94567, 94568, StatusList.Size - 2, StatusList.Size - 1 })
        {
            Assert.Equal(set.Contains(i), StatusList.GetBit(encoded, i));
        }

        // Left-most bit first: index 0 is the high bit of the first byte.
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(B64Url.Decode(encoded, "list")), System.IO.Compression.CompressionMode.Decompress);
        Assert.Equal(0x81, gzip.ReadByte());
        Assert.Equal(0x80, gzip.ReadByte());

        Assert.Throws<CredentialException>(() => StatusList.Encode([3, 3]));
        Assert.ThrowsAny<Exception>(() => StatusList.Encode([StatusList.Size]));
        Assert.ThrowsAny<Exception>(() => StatusList.GetBit(encoded, -1));
        Assert.Throws<CredentialException>(() => StatusList.GetBit("not*base64", 0));
        Assert.Throws<CredentialException>(() => StatusList.GetBit(B64Url.Encode("not gzip"u8), 0));
    }

    [Fact]
    public async Task A_signed_status_list_revokes_exactly_the_listed_credentials()
    {
        using var issuer = DidFactory.CreateJwk("Ed25519");
        using var holder = DidFactory.CreateKey("Ed25519");
        var resolver = new DidResolver([new DidKeyMethod(), new DidJwkMethod()]);
        const string listId = "https://issuer.example/status/3";
        var revoked = VerifiableCredential.Create(issuer.Uri, holder.Uri, new JsonObject { ["n"] = 1 }, ["Membership"], credentialStatus: StatusList.Entry(listId, 41));
        var active = VerifiableCredential.Create(issuer.Uri, holder.Uri, new JsonObject { ["n"] = 2 }, ["Membership"], credentialStatus: StatusList.Entry(listId, 42));
        var suspendedEntry = VerifiableCredential.Create(issuer.Uri, holder.Uri, new JsonObject { ["n"] = 3 }, ["Membership"], credentialStatus: StatusList.Entry(listId, 41, "suspension"));

        var list = StatusList.Create(listId, issuer.Uri, "revocation", [41, 1000]);
        var jwt = list.Sign(issuer);
        var verified = await VerifiableCredential.VerifyAsync(jwt, resolver, cancellationToken: Ct);
        var received = verified.Credential;
        Assert.Contains(StatusList.CredentialType, received.Type);

        Assert.True(StatusList.IsSet(revoked, received));
        Assert.False(StatusList.IsSet(active, received));
        Assert.Throws<CredentialException>(() => StatusList.IsSet(suspendedEntry, received));
        var otherList = StatusList.Create("https://issuer.example/status/4", issuer.Uri, "revocation", [41]);
        Assert.Throws<CredentialException>(() => StatusList.IsSet(revoked, otherList));
        var noStatus = VerifiableCredential.Create(issuer.Uri, holder.Uri, new JsonObject(), ["Membership"]);
        Assert.Throws<CredentialException>(() => StatusList.IsSet(noStatus, received));
    }
}
