using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Jose;

/// <summary>
/// A public JSON Web Key (RFC 7517). Members are kept as given (order included) so a key round-trips
/// byte for byte into did:jwk identifiers and DID documents; typed accessors check the members each key
/// type needs (RFC 7518 section 6, RFC 8037 section 2). Private members (<c>d</c>, RSA primes, <c>k</c>)
/// are never held here: see <see cref="PrivateJwk"/>.
/// </summary>
public sealed class Jwk : IEquatable<Jwk>
{
    private static readonly HashSet<string> PrivateMembers = new(StringComparer.Ordinal) { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
    private readonly JsonObject _members;

    private Jwk(JsonObject members)
    {
        _members = members;
    }

    /// <summary>Key type: EC, OKP, RSA (or oct for a symmetric key, whose secret is held by <see cref="PrivateJwk"/>).</summary>
    public string Kty => Get("kty") ?? string.Empty;

    /// <summary>Curve (EC: secp256k1, P-256, P-384, P-521; OKP: Ed25519, X25519).</summary>
    public string? Crv => Get("crv");

    /// <summary>Key id.</summary>
    public string? Kid => Get("kid");

    /// <summary>Intended algorithm.</summary>
    public string? Alg => Get("alg");

    /// <summary>Public key use (sig, enc).</summary>
    public string? Use => Get("use");

    /// <summary>x coordinate (EC) or public key (OKP), base64url.</summary>
    public string? X => Get("x");

    /// <summary>y coordinate (EC), base64url.</summary>
    public string? Y => Get("y");

    /// <summary>A string member, or null.</summary>
    public string? Get(string name) => _members.TryGetPropertyValue(name, out var v) && v is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The members as a new JSON object (a copy).</summary>
    public JsonObject ToJsonObject() => (JsonObject)_members.DeepClone();

    /// <summary>The members as compact JSON text in their original order.</summary>
    public string ToJson() => _members.ToJsonString();

    /// <inheritdoc />
    public override string ToString() => ToJson();

    /// <summary>Parses a public JWK from JSON text; private members are refused.</summary>
    public static Jwk Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new JoseException(JoseErrorKind.InvalidKey, "jwk: not JSON: " + e.Message);
        }

        return FromJson(node as JsonObject ?? throw new JoseException(JoseErrorKind.InvalidKey, "jwk: not a JSON object"));
    }

    /// <summary>Reads a public JWK from a JSON object; private members are refused (use <see cref="PrivateJwk"/>).</summary>
    public static Jwk FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var copy = (JsonObject)json.DeepClone();
        foreach (var member in PrivateMembers)
        {
            if (copy.ContainsKey(member))
            {
                throw new JoseException(JoseErrorKind.WrongKeyType, $"jwk: private member '{member}' in a public key");
            }
        }

        var jwk = new Jwk(copy);
        jwk.Validate();
        return jwk;
    }

    /// <summary>Builds a public JWK from members without private parts (used by <see cref="PrivateJwk"/>).</summary>
    internal static Jwk FromMembersUnchecked(JsonObject members) => new(members);

    /// <summary>A copy with a member set (null removes it).</summary>
    public Jwk With(string name, string? value)
    {
        var copy = (JsonObject)_members.DeepClone();
        if (value is null)
        {
            copy.Remove(name);
        }
        else
        {
            copy[name] = value;
        }

        return new Jwk(copy);
    }

    /// <summary>A secp256k1 public key as an EC JWK (RFC 8812 section 3.1).</summary>
    public static Jwk FromSecp256k1(OPSource.Crypto.Secp256k1.PublicKey key, string? alg = "ES256K")
    {
        var u = key.ToUncompressed();
        var obj = new JsonObject { ["kty"] = "EC", ["crv"] = "secp256k1", ["x"] = B64Url.Encode(u.AsSpan(1, 32)), ["y"] = B64Url.Encode(u.AsSpan(33, 32)) };
        if (alg is not null)
        {
            obj["alg"] = alg;
        }

        return new Jwk(obj);
    }

    /// <summary>An OKP public key (Ed25519 or X25519, RFC 8037 section 2).</summary>
    public static Jwk FromOkp(string crv, ReadOnlySpan<byte> x, string? alg = null)
    {
        if (x.Length != 32 || crv is not ("Ed25519" or "X25519"))
        {
            throw new JoseException(JoseErrorKind.InvalidKey, "jwk: OKP keys here are Ed25519 or X25519 with 32-byte x");
        }

        var obj = new JsonObject { ["kty"] = "OKP", ["crv"] = crv, ["x"] = B64Url.Encode(x) };
        if (alg is not null)
        {
            obj["alg"] = alg;
        }

        return new Jwk(obj);
    }

    /// <summary>The x bytes (EC x coordinate or OKP key).</summary>
    public byte[] XBytes() => B64Url.Decode(X, "jwk: x");

    /// <summary>The y bytes.</summary>
    public byte[] YBytes() => B64Url.Decode(Y, "jwk: y");

    /// <summary>The secp256k1 public key of an EC secp256k1 JWK.</summary>
    public OPSource.Crypto.Secp256k1.PublicKey ToSecp256k1()
    {
        if (Kty != "EC" || Crv != "secp256k1")
        {
            throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: not a secp256k1 key (kty {Kty}, crv {Crv})");
        }

        Span<byte> sec1 = stackalloc byte[65];
        sec1[0] = 4;
        if (!B64Url.TryDecode(X, out var x) || !B64Url.TryDecode(Y, out var y) || x.Length != 32 || y.Length != 32)
        {
            throw new JoseException(JoseErrorKind.InvalidKey, "jwk: secp256k1 x and y must be 32 bytes of base64url");
        }

        x.CopyTo(sec1[1..]);
        y.CopyTo(sec1[33..]);
        return OPSource.Crypto.Secp256k1.PublicKey.TryParse(sec1, out var key)
            ? key
            : throw new JoseException(JoseErrorKind.InvalidKey, "jwk: (x, y) is not a point on secp256k1");
    }

    /// <summary>
    /// RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, no whitespace,
    /// base64url.
    /// </summary>
    public string Thumbprint()
    {
        string[] required = Kty switch
        {
            "EC" => ["crv", "kty", "x", "y"],
            "OKP" => ["crv", "kty", "x"],
            "RSA" => ["e", "kty", "n"],
            _ => throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: no thumbprint rule for kty '{Kty}'"),
        };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var name in required)
            {
                writer.WriteString(name, Get(name) ?? throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: missing '{name}'"));
            }

            writer.WriteEndObject();
        }

        return B64Url.Encode(SHA256.HashData(stream.ToArray()));
    }

    private void Validate()
    {
        switch (Kty)
        {
            case "EC":
                var size = Crv switch
                {
                    "secp256k1" or "P-256" => 32,
                    "P-384" => 48,
                    "P-521" => 66,
                    _ => throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: unsupported EC curve '{Crv}'"),
                };
                if (!B64Url.TryDecode(X, out var x) || x.Length != size)
                {
                    throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: EC {Crv} x must be {size} bytes of base64url");
                }

                if (!B64Url.TryDecode(Y, out var y) || y.Length != size)
                {
                    throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: EC {Crv} y must be {size} bytes of base64url");
                }

                break;
            case "OKP":
                if (Crv is not ("Ed25519" or "X25519"))
                {
                    throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: unsupported OKP curve '{Crv}'");
                }

                if (!B64Url.TryDecode(X, out var ox) || ox.Length != 32)
                {
                    throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: {Crv} x must be 32 bytes of base64url");
                }

                break;
            case "RSA":
                if (!B64Url.TryDecode(Get("n"), out _) || !B64Url.TryDecode(Get("e"), out _))
                {
                    throw new JoseException(JoseErrorKind.InvalidKey, "jwk: RSA n and e must be base64url");
                }

                break;
            case "oct":
                break;
            case "":
                throw new JoseException(JoseErrorKind.InvalidKey, "jwk: missing 'kty'");
            default:
                throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: unsupported kty '{Kty}'");
        }
    }

    /// <inheritdoc />
    public bool Equals(Jwk? other) => other is not null && JsonNode.DeepEquals(_members, other._members);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Jwk other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Kty + X + Y + Get("n"));

    /// <summary>UTF-8 bytes of <see cref="ToJson"/>.</summary>
    public byte[] ToUtf8() => System.Text.Encoding.UTF8.GetBytes(ToJson());
}
