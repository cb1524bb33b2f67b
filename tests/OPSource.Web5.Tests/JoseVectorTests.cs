using System.Text;
using System.Text.Json.Nodes;
using OPSource.TestSupport;
using OPSource.Web5.Encoding;
using OPSource.Web5.Jose;

namespace OPSource.Web5.Tests;

public class JoseVectorTests
{
    [Fact]
    public void Crypto_es256k_sign_vectors()
    {
        foreach (var (description, input, output, errors) in VectorFile.Load("crypto_es256k", "sign.json"))
        {
            var data = Convert.FromHexString(input!["data"]!.GetValue<string>());
            if (errors)
            {
                Assert.ThrowsAny<Exception>(() =>
                {
                    using var key = PrivateJwk.Parse(input["key"]!.ToJsonString());
                    JwsAlgorithms.Sign("ES256K", key, data);
                });
                continue;
            }

            using var k = PrivateJwk.Parse(input["key"]!.ToJsonString());
            var sig = JwsAlgorithms.Sign("ES256K", k, data);
            Assert.True(Convert.ToHexStringLower(sig) == output!.GetValue<string>(), description);
        }
    }

    [Theory]
    [InlineData("crypto_es256k", "ES256K")]
    [InlineData("crypto_ed25519", "EdDSA")]
    public void Verify_vectors(string folder, string alg)
    {
        foreach (var (description, input, output, errors) in VectorFile.Load(folder, "verify.json"))
        {
            var data = Convert.FromHexString(input!["data"]!.GetValue<string>());
            var sig = Convert.FromHexString(input["signature"]!.GetValue<string>());
            if (errors)
            {
                Assert.ThrowsAny<Exception>(() => JwsAlgorithms.Verify(alg, Jwk.FromJson(input["key"]!.AsObject()), data, sig));
                continue;
            }

            var ok = JwsAlgorithms.Verify(alg, Jwk.FromJson(input["key"]!.AsObject()), data, sig);
            Assert.True(ok == output!.GetValue<bool>(), description);
        }
    }

    [Fact]
    public void Crypto_ed25519_sign_vectors()
    {
        foreach (var (description, input, output, errors) in VectorFile.Load("crypto_ed25519", "sign.json"))
        {
            var data = Convert.FromHexString(input!["data"]!.GetValue<string>());
            if (errors)
            {
                Assert.ThrowsAny<Exception>(() =>
                {
                    using var key = PrivateJwk.Parse(input["key"]!.ToJsonString());
                    JwsAlgorithms.Sign("EdDSA", key, data);
                });
                continue;
            }

            using var k = PrivateJwk.Parse(input["key"]!.ToJsonString());
            Assert.True(Convert.ToHexStringLower(JwsAlgorithms.Sign("EdDSA", k, data)) == output!.GetValue<string>(), description);
        }
    }

    public static TheoryData<string> CookbookFiles() => new(
        "jws/4_1.rsa_v15_signature.json", "jws/4_2.rsa-pss_signature.json", "jws/4_3.ecdsa_signature.json",
        "jws/4_4.hmac-sha2_integrity_protection.json", "jws/4_5.signature_with_detached_content.json",
        "jws/4_6.protecting_specific_header_fields.json", "jws/4_7.protecting_content_only.json",
        "jws/4_8.multiple_signatures.json", "curve25519/jws.json");

    [Theory]
    [MemberData(nameof(CookbookFiles))]
    public void Jose_cookbook_jws_examples_verify_and_reproduce(string file)
    {
        var root = JsonNode.Parse(Vectors.ReadText(["web5", "jose-cookbook", .. file.Split('/')]))!.AsObject();
        var input = root["input"]!.AsObject();
        var payload = System.Text.Encoding.UTF8.GetBytes(input["payload"]!.GetValue<string>());
        var keyNodes = input["key"] is JsonArray arr ? arr.Select(k => k!.AsObject()).ToList() : [input["key"]!.AsObject()];
        var keys = keyNodes.Select(k => PrivateJwk.Parse(k.ToJsonString())).ToList();
        var detached = root["output"]!.AsObject();
        var checkedForms = 0;
        foreach (var (form, value) in detached)
        {
            if (value is null)
            {
                continue;
            }

            Jws jws = value is JsonValue compact
                ? Jws.ParseCompact(compact.GetValue<string>(), payload)
                : Jws.ParseJson(value.AsObject(), payload);
            Assert.Equal(B64Url.Encode(payload), jws.PayloadB64);
            for (var i = 0; i < jws.Signatures.Count; i++)
            {
                var key = keys[Math.Min(i, keys.Count - 1)];
                Assert.True(jws.Verify(key.Public, i, key), $"{file} {form} signature {i}");
                // A modified payload must fail.
                var tampered = Jws.ParseJson(new JsonObject { ["payload"] = B64Url.Encode([.. payload, 0x20]), ["protected"] = jws.Signatures[i].ProtectedB64.Length > 0 ? jws.Signatures[i].ProtectedB64 : null, ["header"] = jws.Signatures[i].Header?.DeepClone(), ["signature"] = B64Url.Encode(jws.Signatures[i].Signature) }.RemoveNulls());
                Assert.False(tampered.Verify(key.Public, 0, key), $"{file} {form} tampered {i}");
            }

            checkedForms++;
        }

        Assert.True(checkedForms > 0);
        // Deterministic algorithms (RSASSA-PKCS1-v1_5, HMAC, Ed25519) reproduce the signature bytes.
        var signing = root["signing"] is JsonArray sa ? sa.Select(s => s!.AsObject()).ToList() : [root["signing"]!.AsObject()];
        var algs = input["alg"] is JsonArray al ? al.Select(a => a!.GetValue<string>()).ToList() : [input["alg"]!.GetValue<string>()];
        for (var i = 0; i < signing.Count; i++)
        {
            if (algs[i] is "RS256" or "HS256" or "EdDSA")
            {
                var sig = JwsAlgorithms.Sign(algs[i], keys[Math.Min(i, keys.Count - 1)], System.Text.Encoding.ASCII.GetBytes(signing[i]["sig-input"]!.GetValue<string>()));
                Assert.Equal(signing[i]["sig"]!.GetValue<string>(), B64Url.Encode(sig));
            }
        }

        keys.ForEach(k => k.Dispose());
    }

    [Fact]
    public void Rfc7638_thumbprint_example()
    {
        // RFC 7638 section 3.1.
        var jwk = Jwk.Parse("""{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}""");
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", jwk.Thumbprint());
    }

    [Fact]
    public void Compact_and_json_round_trips_with_our_algorithms()
    {
        foreach (var curve in new[] { "secp256k1", "Ed25519" })
        {
            using var key = PrivateJwk.Generate(curve);
            var payload = System.Text.Encoding.UTF8.GetBytes("{\"hello\":\"web5\"}");
            var compact = Jws.SignCompact(key, payload, new JsonObject { ["kid"] = "k1" });
            Assert.True(Jws.ParseCompact(compact).Verify(key.Public));
            var detached = Jws.SignCompact(key, payload, detached: true);
            Assert.Contains("..", detached, StringComparison.Ordinal);
            Assert.True(Jws.ParseCompact(detached, payload).Verify(key.Public));
            Assert.False(Jws.ParseCompact(detached, "x"u8).Verify(key.Public));
            using var other = PrivateJwk.Generate(curve);
            var general = Jws.SignJson(payload, [(key, null, new JsonObject { ["kid"] = "a" }), (other, new JsonObject { ["kid"] = "b" }, null)]);
            var parsed = Jws.ParseJson(general);
            Assert.True(parsed.Verify(key.Public, 0));
            Assert.True(parsed.Verify(other.Public, 1));
            Assert.False(parsed.Verify(key.Public, 1));
            var flat = Jws.SignJson(payload, [(key, null, null)], flattened: true);
            Assert.True(Jws.ParseJson(flat).Verify(key.Public));
        }
    }

    [Fact]
    public void Jwt_claims_are_checked()
    {
        using var key = PrivateJwk.Generate("Ed25519");
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var jwt = Jwt.Sign(key, new JsonObject { ["iss"] = "me", ["aud"] = new JsonArray("api", "x"), ["exp"] = 1_700_000_100, ["nbf"] = 1_699_999_900 });
        var claims = Jws.ParseCompact(jwt).PayloadJson();
        Jwt.ValidateClaims(claims, new JwtValidation { Now = now, Issuer = "me", Audience = "api" });
        Assert.Equal(JoseErrorKind.InvalidClaims, Assert.Throws<JoseException>(() => Jwt.ValidateClaims(claims, new JwtValidation { Now = now.AddSeconds(200) })).Kind);
        Assert.Throws<JoseException>(() => Jwt.ValidateClaims(claims, new JwtValidation { Now = now.AddSeconds(-200) }));
        Assert.Throws<JoseException>(() => Jwt.ValidateClaims(claims, new JwtValidation { Now = now, Audience = "other" }));
        Assert.Throws<JoseException>(() => Jwt.ValidateClaims(claims, new JwtValidation { Now = now, Issuer = "you" }));
        Assert.Throws<JoseException>(() => Jwt.ValidateClaims(new JsonObject { ["exp"] = "soon" }, new JwtValidation()));
    }

    [Fact]
    public void Malformed_input_is_refused_with_a_named_rule()
    {
        Assert.Equal(JoseErrorKind.Malformed, Assert.Throws<JoseException>(() => Jws.ParseCompact("a.b")).Kind);
        Assert.Throws<JoseException>(() => Jws.ParseCompact("eyJhbGciOiJub25lIn0.e30.!!"));
        Assert.Throws<JoseException>(() => Jws.ParseCompact(B64Url.EncodeUtf8("{\"alg\":\"ES256K\",\"crit\":[\"x\"],\"x\":1}") + ".e30.AA"));
        Assert.Throws<JoseException>(() => Jwk.Parse("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AA\",\"y\":\"AA\"}"));
        Assert.Throws<JoseException>(() => Jwk.Parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}"));
        using var key = PrivateJwk.Parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}");
        Assert.DoesNotContain("nWGx", key.ToString(), StringComparison.Ordinal);
        // d that does not match x is refused.
        Assert.Throws<JoseException>(() => PrivateJwk.Parse("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"d\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}"));
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject RemoveNulls(this JsonObject o)
    {
        foreach (var name in o.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            o.Remove(name);
        }

        return o;
    }
}
