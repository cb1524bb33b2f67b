using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OPSource.Server.Security;

/// <summary>
/// The host's access-token validator: <see cref="JsonWebTokenHandler"/> (signature, <c>typ</c>, issuer, audience,
/// lifetime, as <see cref="OPSource.Platform.Security.JwtAccessTokenService.CreateValidationParameters"/> says) with a
/// memory of the tokens it found valid, so a client that sends the same token on every request pays for the full
/// validation once. A token is remembered by its SHA-256 (the token itself is not kept) until it expires (its
/// <c>exp</c> plus the clock skew, by the clock the lifetime check reads); any other string, a tampered copy
/// included, has another hash and is validated in full. Revocation is not decided here: the host checks the
/// credential behind every token on every request (<see cref="CredentialStatusCache"/>).
/// </summary>
/// <remarks>
/// One instance serves one host, whose validation parameters never change while it runs (the signing key, issuer
/// and audience are fixed at start), so the validation parameters are not part of the key. Only tokens whose
/// lifetime is validated are remembered.
/// </remarks>
internal sealed class ValidatedTokenCache : JsonWebTokenHandler
{
    /// <summary>At most this many tokens are remembered; beyond, the memory starts afresh.</summary>
    internal const int Capacity = 10_000;

    private readonly ConcurrentDictionary<TokenHash, Entry> _valid = new();

    /// <summary>How many validations were answered from memory (for tests and diagnostics).</summary>
    internal long Hits => Interlocked.Read(ref _hits);

    private long _hits;

    /// <inheritdoc />
    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaximumTokenSizeInBytes || validationParameters is not { ValidateLifetime: true })
        {
            return await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        }

        var key = TokenHash.Of(token);
        // The clock IdentityModel's lifetime check reads (DateTime.UtcNow).
        var now = DateTime.UtcNow;
        if (_valid.TryGetValue(key, out var entry))
        {
            if (now < entry.NotAfter)
            {
                Interlocked.Increment(ref _hits);
                // A copy per request: whatever a request adds to its identity stays in that request.
                return new TokenValidationResult
                {
                    IsValid = true,
                    SecurityToken = entry.Token,
                    ClaimsIdentity = entry.Identity.Clone(),
                    Issuer = entry.Token.Issuer,
                    TokenType = entry.Token.Typ,
                };
            }

            _valid.TryRemove(key, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (result.IsValid && result.SecurityToken is JsonWebToken jwt && jwt.ValidTo != DateTime.MinValue)
        {
            if (_valid.Count >= Capacity)
            {
                _valid.Clear();
            }

            // Valid while exp + skew is not passed (IdentityModel's lifetime rule); a request in the last instant
            // is validated in full again.
            _valid[key] = new Entry(jwt, result.ClaimsIdentity.Clone(), jwt.ValidTo + validationParameters.ClockSkew);
        }

        return result;
    }

    private sealed record Entry(JsonWebToken Token, ClaimsIdentity Identity, DateTime NotAfter);

    /// <summary>SHA-256 of the token's characters.</summary>
    private readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D)
    {
        public static TokenHash Of(string token)
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(MemoryMarshal.AsBytes(token.AsSpan()), hash);
            var words = MemoryMarshal.Cast<byte, ulong>(hash);
            return new TokenHash(words[0], words[1], words[2], words[3]);
        }
    }
}
