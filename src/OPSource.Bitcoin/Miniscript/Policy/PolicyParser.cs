using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using OPSource.Bitcoin.Encoding;

namespace OPSource.Bitcoin.Miniscript.Policy;

/// <summary>
/// Reads the policy language (sipa's miniscript compiler and rust-miniscript Concrete policies):
/// <c>pk(KEY)</c>, <c>after(n)</c>, <c>older(n)</c>, <c>sha256(H)</c>, <c>hash256(H)</c>,
/// <c>ripemd160(H)</c>, <c>hash160(H)</c>, <c>and(X,Y)</c>, <c>or([N@]X,[M@]Y)</c>,
/// <c>thresh(k,X,...)</c>, <c>UNSATISFIABLE</c>, <c>TRIVIAL</c>. Like sipa's parser it also takes
/// n-ary <c>and</c>/<c>or</c>, nested to the right (probabilities of the tail summed). The policy is
/// refused when one spend path mixes block heights and times, or a key appears twice (rust-miniscript is_valid).
/// </summary>
public static class PolicyParser
{
    // Bounds recursion in the parser and the compiler (rust-miniscript refuses deeper trees too).
    private const int MaxDepth = 200;

    /// <summary>Parses a policy whose keys <paramref name="keys"/> reads in <paramref name="context"/>.</summary>
    public static bool TryParse<TKey>(string? text, IMiniscriptKeyParser<TKey> keys, MiniscriptContext context, [NotNullWhen(true)] out Policy<TKey>? policy, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(keys);
        policy = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = Error("the policy is empty");
            return false;
        }

        var pos = 0;
        if (!TryParseExpr(text, ref pos, keys, context, 0, out var result, out error))
        {
            return false;
        }

        if (pos != text.Length)
        {
            error = Error($"unexpected '{Shorten(text[pos..])}' at position {pos} after the policy");
            return false;
        }

        if (result.ContainsTimelockCombination())
        {
            error = Error("a spending path combines a block-height timelock with a time-based one of the same kind (heights and times cannot both be met)");
            return false;
        }

        var seen = new HashSet<TKey>(keys.KeyComparer);
        foreach (var key in result.Keys())
        {
            if (!seen.Add(key))
            {
                error = Error("the policy contains the same key twice");
                return false;
            }
        }

        policy = result;
        error = null;
        return true;
    }

    /// <summary>Parses a policy with hex public keys (compressed; x-only too in Tapscript).</summary>
    public static bool TryParse(string? text, MiniscriptContext context, [NotNullWhen(true)] out Policy<Crypto.Secp256k1.PublicKey>? policy, [NotNullWhen(false)] out MiniscriptError? error) =>
        TryParse(text, MiniscriptPublicKeys.Default, context, out policy, out error);

    /// <summary>Parses or throws <see cref="BitcoinFormatException"/>.</summary>
    public static Policy<TKey> Parse<TKey>(string text, IMiniscriptKeyParser<TKey> keys, MiniscriptContext context)
        where TKey : notnull =>
        TryParse(text, keys, context, out var policy, out var error) ? policy : throw error.ToException();

    private static MiniscriptError Error(string message, int? position = null) => new(MiniscriptErrorKind.Policy, "policy: " + message, position);

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..21] + "...";

    private static bool TryParseExpr<TKey>(string text, ref int pos, IMiniscriptKeyParser<TKey> keys, MiniscriptContext context, int depth, [NotNullWhen(true)] out Policy<TKey>? policy, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull
    {
        policy = null;
        if (depth > MaxDepth)
        {
            error = Error($"the policy nests deeper than {MaxDepth} levels");
            return false;
        }

        var start = pos;
        while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] == '_'))
        {
            pos++;
        }

        var name = text[start..pos];
        if (name is "UNSATISFIABLE" or "TRIVIAL")
        {
            // rust-miniscript also accepts an empty argument list.
            if (pos + 1 < text.Length && text[pos] == '(' && text[pos + 1] == ')')
            {
                pos += 2;
            }

            policy = name == "TRIVIAL" ? Policy<TKey>.Trivial : Policy<TKey>.Unsatisfiable;
            error = null;
            return true;
        }

        if (pos >= text.Length || text[pos] != '(')
        {
            error = name.Length == 0
                ? Error($"expected a policy at position {start}, got {(start < text.Length ? "'" + text[start] + "'" : "end of input")}")
                : Error($"expected '(' after '{Shorten(name)}' at position {pos}");
            return false;
        }

        pos++;
        switch (name)
        {
            case "pk":
            {
                var arg = ReadArgument(text, ref pos);
                if (!Close(text, ref pos, name, out error))
                {
                    return false;
                }

                if (!keys.TryParseKey(arg, context, out var key, out var keyError))
                {
                    error = Error($"pk(): {keyError.Message}");
                    return false;
                }

                policy = Policy<TKey>.ForKey(key);
                return true;
            }

            case "after":
            case "older":
            {
                var arg = ReadArgument(text, ref pos);
                if (!Close(text, ref pos, name, out error))
                {
                    return false;
                }

                // BIP65/BIP112 operands: 1 to 2^31-1.
                if (!uint.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n >= 0x80000000u)
                {
                    error = Error($"{name}({Shorten(arg)}): the value must be an integer from 1 to 2147483647");
                    return false;
                }

                policy = name == "after" ? Policy<TKey>.After(n) : Policy<TKey>.Older(n);
                return true;
            }

            case "sha256":
            case "hash256":
            case "ripemd160":
            case "hash160":
            {
                var kind = name switch { "sha256" => PolicyKind.Sha256, "hash256" => PolicyKind.Hash256, "ripemd160" => PolicyKind.Ripemd160, _ => PolicyKind.Hash160 };
                var size = kind is PolicyKind.Sha256 or PolicyKind.Hash256 ? 32 : 20;
                var arg = ReadArgument(text, ref pos);
                if (!Close(text, ref pos, name, out error))
                {
                    return false;
                }

                if (!Hex.TryParse(arg, out var hash, out _) || hash.Length != size)
                {
                    error = Error($"{name}(): the hash must be {size * 2} hex characters");
                    return false;
                }

                policy = Policy<TKey>.ForHash(kind, hash);
                return true;
            }

            case "and":
            case "or":
            case "thresh":
                return TryParseCombinator(text, ref pos, name, keys, context, depth, out policy, out error);
            default:
                error = Error($"unknown policy fragment '{Shorten(name)}' at position {start}");
                return false;
        }
    }

    private static bool TryParseCombinator<TKey>(string text, ref int pos, string name, IMiniscriptKeyParser<TKey> keys, MiniscriptContext context, int depth, [NotNullWhen(true)] out Policy<TKey>? policy, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull
    {
        policy = null;
        uint k = 0;
        if (name == "thresh")
        {
            var arg = ReadArgument(text, ref pos);
            if (!uint.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out k) || k < 1)
            {
                error = Error($"thresh({Shorten(arg)},...): the threshold must be a positive integer");
                return false;
            }

            if (pos >= text.Length || text[pos] != ',')
            {
                error = Error($"thresh(): expected ',' at position {pos}");
                return false;
            }

            pos++;
        }

        var subs = new List<Policy<TKey>>();
        var weights = new List<uint>();
        while (true)
        {
            uint weight = 1;
            if (name == "or")
            {
                // N@X: a positive decimal probability.
                var digits = pos;
                while (digits < text.Length && char.IsAsciiDigit(text[digits]))
                {
                    digits++;
                }

                if (digits > pos && digits < text.Length && text[digits] == '@')
                {
                    if (!uint.TryParse(text.AsSpan(pos, digits - pos), NumberStyles.None, CultureInfo.InvariantCulture, out weight) || weight == 0)
                    {
                        error = Error($"or(): the probability at position {pos} must be a positive integer");
                        return false;
                    }

                    pos = digits + 1;
                }
            }

            if (!TryParseExpr(text, ref pos, keys, context, depth + 1, out var sub, out error))
            {
                return false;
            }

            subs.Add(sub);
            weights.Add(weight);
            if (pos < text.Length && text[pos] == ',')
            {
                pos++;
                continue;
            }

            if (pos < text.Length && text[pos] == ')')
            {
                pos++;
                break;
            }

            error = Error($"{name}(): expected ',' or ')' at position {pos}");
            return false;
        }

        switch (name)
        {
            case "thresh":
                if (k > subs.Count)
                {
                    error = Error($"thresh({k},...) has only {subs.Count} sub-policies");
                    return false;
                }

                policy = Policy<TKey>.Thresh(k, subs);
                break;
            case "and":
                if (subs.Count < 2)
                {
                    error = Error("and() takes at least two sub-policies");
                    return false;
                }

                policy = subs[^1];
                for (var i = subs.Count - 2; i >= 0; i--)
                {
                    policy = Policy<TKey>.And(subs[i], policy);
                }

                break;
            default:
            {
                if (subs.Count < 2)
                {
                    error = Error("or() takes at least two sub-policies");
                    return false;
                }

                // n-ary or (sipa): the tail nests to the right with the sum of its probabilities.
                policy = subs[^1];
                var tail = (ulong)weights[^1];
                for (var i = subs.Count - 2; i >= 0; i--)
                {
                    if (tail > uint.MaxValue)
                    {
                        error = Error("or(): the probabilities are too large");
                        return false;
                    }

                    policy = Policy<TKey>.Or(weights[i], subs[i], (uint)tail, policy);
                    tail += weights[i];
                }

                break;
            }
        }

        error = null;
        return true;
    }

    private static string ReadArgument(string text, ref int pos)
    {
        var start = pos;
        var depth = 0;
        while (pos < text.Length)
        {
            var c = text[pos];
            if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                break;
            }

            pos++;
        }

        return text[start..pos];
    }

    private static bool Close(string text, ref int pos, string name, [NotNullWhen(false)] out MiniscriptError? error)
    {
        if (pos >= text.Length || text[pos] != ')')
        {
            error = Error($"{name}(): expected ')' at position {pos}");
            return false;
        }

        pos++;
        error = null;
        return true;
    }
}
