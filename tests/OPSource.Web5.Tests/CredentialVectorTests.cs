using System.Text.Json.Nodes;
using OPSource.Web5.Credentials;
using OPSource.Web5.Dids;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Tests;

public class CredentialVectorTests
{
    private static readonly DidResolver Resolver = new([new DidKeyMethod(), new DidJwkMethod()]);

    [Fact]
    public void Vc_jwt_decode_vectors()
    {
        foreach (var (description, input, _, errors) in VectorFile.Load("vc_jwt", "decode.json"))
        {
            if (errors)
            {
                Assert.Throws<CredentialException>(() => VerifiableCredential.Decode(input!.GetValue<string>()));
            }
            else
            {
                var (_, _, vc) = VerifiableCredential.Decode(input!.GetValue<string>());
                Assert.True(vc.ContainsKey("credentialSubject"), description);
            }
        }
    }

    [Fact]
    public async Task Vc_jwt_verify_vectors()
    {
        foreach (var (description, input, _, errors) in VectorFile.Load("vc_jwt", "verify.json"))
        {
            var task = VerifiableCredential.VerifyAsync(input!.GetValue<string>(), Resolver, cancellationToken: TestContext.Current.CancellationToken);
            if (errors)
            {
                await Assert.ThrowsAsync<CredentialException>(() => task);
            }
            else
            {
                var verified = await task;
                Assert.False(string.IsNullOrEmpty(verified.Issuer), description);
            }
        }
    }

    [Fact]
    public async Task Credentials_verify_vectors()
    {
        foreach (var (description, input, _, errors) in VectorFile.Load("credentials", "verify.json"))
        {
            var task = VerifiableCredential.VerifyAsync(input!["vcJwt"]!.GetValue<string>(), Resolver, cancellationToken: TestContext.Current.CancellationToken);
            if (errors)
            {
                var e = await Assert.ThrowsAsync<CredentialException>(() => task);
                Assert.False(string.IsNullOrEmpty(e.Message), description);
            }
            else
            {
                var verified = await task;
                Assert.True(verified.Credential.Types.Contains(VerifiableCredential.BaseType), description);
            }
        }
    }

    [Fact]
    public async Task Credentials_create_vectors()
    {
        foreach (var (description, input, output, errors) in VectorFile.Load("credentials", "create.json"))
        {
            if (errors)
            {
                Assert.Throws<CredentialException>(() => VerifiableCredential.FromModel(input!["credential"]!.AsObject()));
                continue;
            }

            var vc = VerifiableCredential.FromModel(input!["credential"]!.AsObject());
            using var signer = BearerDid.ParsePortable(System.Text.Encoding.UTF8.GetBytes(input["signerPortableDid"]!.ToJsonString()));
            var ours = vc.Sign(signer);
            var verifiedOurs = await VerifiableCredential.VerifyAsync(ours, Resolver, cancellationToken: TestContext.Current.CancellationToken);
            var verifiedTheirs = await VerifiableCredential.VerifyAsync(output!.GetValue<string>(), Resolver, cancellationToken: TestContext.Current.CancellationToken);
            VectorFile.Equal(verifiedTheirs.Credential.Model, verifiedOurs.Credential.Model, description);
            var (_, theirClaims, _) = VerifiableCredential.Decode(output.GetValue<string>());
            var (_, ourClaims, _) = VerifiableCredential.Decode(ours);
            foreach (var claim in new[] { "iss", "sub", "vc" })
            {
                VectorFile.Equal(theirClaims[claim], ourClaims[claim], description + " claim " + claim);
            }
        }
    }

    [Fact]
    public async Task Issue_and_verify_with_expiry_and_tampering()
    {
        using var issuer = DidFactory.CreateKey("secp256k1");
        var now = DateTimeOffset.UtcNow;
        var vc = VerifiableCredential.Create(issuer.Uri, "did:example:alice", new JsonObject { ["role"] = "member" }, ["DaoMembership"], now.AddMinutes(-1), now.AddHours(1));
        var jwt = vc.Sign(issuer);
        var ok = await VerifiableCredential.VerifyAsync(jwt, Resolver, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("DaoMembership", ok.Credential.Type);
        await Assert.ThrowsAsync<CredentialException>(() => VerifiableCredential.VerifyAsync(jwt, Resolver, now.AddHours(2), TestContext.Current.CancellationToken));
        var parts = jwt.Split('.');
        var forged = parts[0] + "." + OPSource.Web5.Encoding.B64Url.EncodeUtf8(VerifiableCredential.Decode(jwt).Claims.ToJsonString().Replace("member", "admin", StringComparison.Ordinal)) + "." + parts[2];
        await Assert.ThrowsAsync<CredentialException>(() => VerifiableCredential.VerifyAsync(forged, Resolver, cancellationToken: TestContext.Current.CancellationToken));
        using var other = DidFactory.CreateKey();
        Assert.Throws<CredentialException>(() => vc.Sign(other));
    }
}
