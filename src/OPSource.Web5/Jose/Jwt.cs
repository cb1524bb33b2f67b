using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Web5.Encoding;

namespace OPSource.Web5.Jose;

/// <summary>What a JWT's registered claims must satisfy (RFC 7519 section 4.1).</summary>
public sealed record JwtValidation
{
    /// <summary>The time to check against.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Allowed clock difference for exp/nbf/iat.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Required issuer (null: any).</summary>
    public string? Issuer { get; init; }

    /// <summary>Required audience: one of the token's audiences must equal it (null: not checked).</summary>
    public string? Audience { get; init; }

    /// <summary>Require an <c>exp</c> claim.</summary>
    public bool RequireExpiration { get; init; }

    /// <summary>Refuse an <c>iat</c> in the future (beyond the skew).</summary>
    public bool RejectFutureIssuedAt { get; init; } = true;
}

/// <summary>JWT (RFC 7519) helpers: compact JWS with a JSON claims set.</summary>
public static class Jwt
{
    /// <summary>Signs a claims set as a compact JWT; the header gets <c>typ: JWT</c> unless given.</summary>
    public static string Sign(PrivateJwk key, JsonObject claims, JsonObject? header = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(claims);
        var h = header is null ? new JsonObject() : (JsonObject)header.DeepClone();
        if (!h.ContainsKey("alg"))
        {
            var ordered = new JsonObject { ["alg"] = key.DefaultAlgorithm };
            foreach (var (name, value) in h)
            {
                ordered[name] = value?.DeepClone();
            }

            h = ordered;
        }

        if (!h.ContainsKey("typ"))
        {
            h["typ"] = "JWT";
        }

        return Jws.SignCompact(key, Web5Json.SerializeUtf8(claims), h);
    }

    /// <summary>
    /// Checks the registered claims: <c>exp</c> (RFC 7519 4.1.4: reject at or after it), <c>nbf</c>
    /// (4.1.5: reject before it), <c>iat</c>, <c>iss</c>, <c>aud</c> (4.1.3: string or array).
    /// </summary>
    public static void ValidateClaims(JsonObject claims, JwtValidation validation)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(validation);
        var now = validation.Now.ToUnixTimeSeconds();
        var skew = (long)validation.ClockSkew.TotalSeconds;
        var exp = NumericDate(claims, "exp");
        if (exp is null && validation.RequireExpiration)
        {
            throw new JoseException(JoseErrorKind.InvalidClaims, "jwt: 'exp' is required");
        }

        if (exp is not null && now >= exp + skew)
        {
            throw new JoseException(JoseErrorKind.InvalidClaims, "jwt: expired ('exp' is in the past)");
        }

        var nbf = NumericDate(claims, "nbf");
        if (nbf is not null && now + skew < nbf)
        {
            throw new JoseException(JoseErrorKind.InvalidClaims, "jwt: not yet valid ('nbf' is in the future)");
        }

        var iat = NumericDate(claims, "iat");
        if (iat is not null && validation.RejectFutureIssuedAt && now + skew < iat)
        {
            throw new JoseException(JoseErrorKind.InvalidClaims, "jwt: 'iat' is in the future");
        }

        if (validation.Issuer is not null && claims.GetString("iss") != validation.Issuer)
        {
            throw new JoseException(JoseErrorKind.InvalidClaims, "jwt: 'iss' does not match the expected issuer");
        }

        if (validation.Audience is not null)
        {
            var ok = claims["aud"] switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() == validation.Audience,
                JsonArray a => a.Any(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String && xv.GetValue<string>() == validation.Audience),
                _ => false,
            };
            if (!ok)
            {
                throw new JoseException(JoseErrorKind.InvalidClaims, "jwt: 'aud' does not contain the expected audience");
            }
        }
    }

    /// <summary>A NumericDate claim (seconds since the epoch), or null; a non-number is malformed.</summary>
    public static long? NumericDate(JsonObject claims, string name)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (!claims.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d))
        {
            return (long)Math.Floor(d);
        }

        throw new JoseException(JoseErrorKind.InvalidClaims, $"jwt: '{name}' must be a NumericDate");
    }
}
