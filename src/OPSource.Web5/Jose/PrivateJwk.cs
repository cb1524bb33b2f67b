using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Crypto.Secp256k1;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Jose;

/// <summary>
/// A private JWK: the public key (<see cref="Public"/>) plus the secret members (<c>d</c>; RSA's
/// <c>p</c>, <c>q</c>, <c>dp</c>, <c>dq</c>, <c>qi</c>; oct's <c>k</c>) held as byte arrays that
/// <see cref="Dispose"/> zeroes. Secrets are read from and written to UTF-8 buffers, never to .NET
/// strings; <see cref="ToString"/> never shows them.
/// </summary>
public sealed class PrivateJwk : IDisposable
{
    private static readonly string[] SecretNames = ["d", "p", "q", "dp", "dq", "qi", "k"];
    private readonly Dictionary<string, byte[]> _secrets;
    private bool _disposed;

    private PrivateJwk(Jwk publicKey, Dictionary<string, byte[]> secrets)
    {
        Public = publicKey;
        _secrets = secrets;
    }

    /// <summary>The public half (for <c>oct</c>: kty, kid, alg only).</summary>
    public Jwk Public { get; }

    /// <summary>Key type.</summary>
    public string Kty => Public.Kty;

    /// <summary>Curve.</summary>
    public string? Crv => Public.Crv;

    /// <summary>The private scalar/seed <c>d</c> (or <c>k</c> for oct). The array is owned by this key: do not keep it.</summary>
    internal ReadOnlySpan<byte> Secret(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _secrets.TryGetValue(name, out var v) ? v : throw new JoseException(JoseErrorKind.WrongKeyType, $"jwk: private member '{name}' missing");
    }

    /// <summary>True when the secret member exists.</summary>
    internal bool HasSecret(string name) => _secrets.ContainsKey(name);

    /// <summary>Generates a key: <c>secp256k1</c> (ES256K), <c>Ed25519</c> (EdDSA) or <c>X25519</c>.</summary>
    public static PrivateJwk Generate(string curve)
    {
        switch (curve)
        {
            case "secp256k1":
                {
                    using var key = SecretKey.Generate();
                    var d = new byte[32];
                    key.WriteTo(d);
                    return FromSecp256k1(d);
                }

            case "Ed25519":
            case "X25519":
                {
                    var d = RandomNumberGenerator.GetBytes(32);
                    return FromOkp(curve, d);
                }

            default:
                throw new JoseException(JoseErrorKind.UnsupportedAlgorithm, $"jwk: cannot generate '{curve}' keys (secp256k1, Ed25519, X25519)");
        }
    }

    /// <summary>Builds a secp256k1 key from its 32-byte scalar (takes ownership of <paramref name="d"/>).</summary>
    public static PrivateJwk FromSecp256k1(byte[] d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (!SecretKey.TryCreate(d, out var sk))
        {
            CryptographicOperations.ZeroMemory(d);
            throw new JoseException(JoseErrorKind.InvalidKey, "jwk: secp256k1 d must be 32 bytes in [1, n-1]");
        }

        using (sk)
        {
            var pub = Jwk.FromSecp256k1(sk.PublicKey, "ES256K");
            pub = pub.With("kid", pub.Thumbprint());
            return new PrivateJwk(pub, new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["d"] = d });
        }
    }

    /// <summary>Builds an Ed25519 or X25519 key from its 32-byte seed (takes ownership of <paramref name="d"/>).</summary>
    public static PrivateJwk FromOkp(string crv, byte[] d)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.Length != 32)
        {
            CryptographicOperations.ZeroMemory(d);
            throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: {crv} d must be 32 bytes");
        }

        var x = OkpKeys.PublicFromPrivate(crv, d);
        var pub = Jwk.FromOkp(crv, x, crv == "Ed25519" ? "EdDSA" : null);
        pub = pub.With("kid", pub.Thumbprint());
        return new PrivateJwk(pub, new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["d"] = d });
    }

    /// <summary>Parses a private JWK from UTF-8 JSON without creating strings for secret members.</summary>
    public static PrivateJwk Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        return Read(ref reader);
    }

    /// <summary>Parses a private JWK from JSON text (for tests and vectors; prefer the UTF-8 overload for real secrets).</summary>
    public static PrivateJwk Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json ?? throw new ArgumentNullException(nameof(json))));

    /// <summary>Reads a private JWK object at the reader's position.</summary>
    public static PrivateJwk Read(ref Utf8JsonReader reader)
    {
        var pub = new JsonObject();
        var secrets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            if (reader.TokenType == JsonTokenType.None && !reader.Read())
            {
                throw new JoseException(JoseErrorKind.InvalidKey, "jwk: empty input");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JoseException(JoseErrorKind.InvalidKey, "jwk: not a JSON object");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (Array.IndexOf(SecretNames, name) >= 0)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: '{name}' must be a base64url string");
                    }

                    secrets[name] = DecodeSecret(reader.ValueSpan, name);
                    continue;
                }

                pub[name] = JsonNode.Parse(ref reader);
            }

            if (secrets.Count == 0)
            {
                throw new JoseException(JoseErrorKind.WrongKeyType, "jwk: a private key needs 'd' (or 'k' for oct)");
            }

            var kty = pub["kty"]?.GetValue<string>();
            var publicKey = kty == "oct" ? Jwk.FromMembersUnchecked(pub) : Jwk.FromJson(pub);
            var result = new PrivateJwk(publicKey, secrets);
            result.CheckConsistent();
            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            Wipe(secrets);
            throw new JoseException(JoseErrorKind.InvalidKey, "jwk: malformed private key");
        }
        catch
        {
            Wipe(secrets);
            throw;
        }
    }

    private static byte[] DecodeSecret(ReadOnlySpan<byte> utf8, string name)
    {
        var buffer = new byte[System.Buffers.Text.Base64Url.GetMaxDecodedLength(utf8.Length)];
        var status = System.Buffers.Text.Base64Url.DecodeFromUtf8(utf8, buffer, out _, out var written);
        if (status != System.Buffers.OperationStatus.Done)
        {
            CryptographicOperations.ZeroMemory(buffer);
            throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: '{name}' is not base64url");
        }

        var result = buffer.AsSpan(0, written).ToArray();
        CryptographicOperations.ZeroMemory(buffer);
        return result;
    }

    private void CheckConsistent()
    {
        switch (Kty, Crv)
        {
            case ("EC", "secp256k1"):
                {
                    var d = Secret("d");
                    if (d.Length != 32 || !SecretKey.TryCreate(d, out var sk))
                    {
                        throw new JoseException(JoseErrorKind.InvalidKey, "jwk: secp256k1 d must be 32 bytes in [1, n-1]");
                    }

                    using (sk)
                    {
                        if (sk.PublicKey != Public.ToSecp256k1())
                        {
                            throw new JoseException(JoseErrorKind.InvalidKey, "jwk: d does not match x/y");
                        }
                    }

                    break;
                }

            case ("OKP", _):
                {
                    var d = Secret("d");
                    if (d.Length != 32 || !OkpKeys.PublicFromPrivate(Crv!, d.ToArray()).AsSpan().SequenceEqual(Public.XBytes()))
                    {
                        throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: {Crv} d does not match x");
                    }

                    break;
                }

            default:
                break;
        }
    }

    /// <summary>Writes the whole private JWK (public members, then secrets) as UTF-8 JSON.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ObjectDisposedException.ThrowIf(_disposed, this);
        writer.WriteStartObject();
        foreach (var (name, value) in Public.ToJsonObject())
        {
            writer.WritePropertyName(name);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }

        foreach (var name in SecretNames)
        {
            if (_secrets.TryGetValue(name, out var secret))
            {
                writer.WritePropertyName(name);
                // Base64url straight into the writer's buffer (no string holds the secret).
                var encoded = new byte[System.Buffers.Text.Base64Url.GetEncodedLength(secret.Length)];
                System.Buffers.Text.Base64Url.EncodeToUtf8(secret, encoded, out _, out _);
                writer.WriteStringValue(encoded);
                CryptographicOperations.ZeroMemory(encoded);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>The private JWK as UTF-8 JSON (the caller zeroes the array when done).</summary>
    public byte[] ToUtf8Json()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        var result = buffer.WrittenSpan.ToArray();
        buffer.Clear();
        return result;
    }

    /// <summary>The JWS algorithm this key signs with by default.</summary>
    public string DefaultAlgorithm => Public.Alg ?? (Kty, Crv) switch
    {
        ("EC", "secp256k1") => "ES256K",
        ("OKP", "Ed25519") => "EdDSA",
        ("EC", "P-256") => "ES256",
        ("EC", "P-384") => "ES384",
        ("EC", "P-521") => "ES512",
        ("RSA", _) => "RS256",
        ("oct", _) => "HS256",
        _ => throw new JoseException(JoseErrorKind.UnsupportedAlgorithm, $"jwk: no signing algorithm for {Kty}/{Crv}"),
    };

    /// <inheritdoc />
    public override string ToString() => $"PrivateJwk({Kty}/{Crv}, kid {Public.Kid}, ***)";

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            Wipe(_secrets);
            _disposed = true;
        }
    }

    private static void Wipe(Dictionary<string, byte[]> secrets)
    {
        foreach (var v in secrets.Values)
        {
            CryptographicOperations.ZeroMemory(v);
        }

        secrets.Clear();
    }
}

/// <summary>Ed25519 and X25519 key operations through NSec (libsodium).</summary>
internal static class OkpKeys
{
    /// <summary>The public key of a 32-byte Ed25519 seed or X25519 scalar.</summary>
    public static byte[] PublicFromPrivate(string crv, byte[] d)
    {
        NSec.Cryptography.Algorithm algorithm = crv switch
        {
            "Ed25519" => NSec.Cryptography.SignatureAlgorithm.Ed25519,
            "X25519" => NSec.Cryptography.KeyAgreementAlgorithm.X25519,
            _ => throw new JoseException(JoseErrorKind.InvalidKey, $"jwk: unsupported OKP curve '{crv}'"),
        };
        using var key = NSec.Cryptography.Key.Import(algorithm, d, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        return key.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey);
    }
}
