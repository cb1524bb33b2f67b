using System.Diagnostics.CodeAnalysis;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Crypto;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>How much checking <see cref="Miniscripts.TryParse{TKey}"/> does after reading the text.</summary>
public enum MiniscriptChecks
{
    /// <summary>Syntax only: the expression may not type-check (inspect <see cref="MiniscriptNode{TKey}.Type"/>).</summary>
    Syntax,

    /// <summary>A valid top-level expression: type B, every sub-expression type-checks, within the size limit (Core IsValidTopLevel).</summary>
    Valid,

    /// <summary>Valid and sane (Core IsSane): non-malleable, needs a signature, no timelock mix, no duplicate keys, within resource limits, satisfiable.</summary>
    Sane,
}

/// <summary>
/// Entry points for BIP379 miniscript: parse text, decode scripts, explain type errors. Most
/// callers use <see cref="MiniscriptNode{TKey}"/> with <c>PublicKey</c> keys through the
/// overloads without a key handler (hex keys: 33-byte compressed in P2WSH; 32-byte x-only or
/// 33-byte compressed in Tapscript); descriptors use their own key expressions.
/// </summary>
public static class Miniscripts
{
    /// <summary>
    /// Parses miniscript text in <paramref name="context"/> with hex public keys, then applies
    /// <paramref name="checks"/>. Errors name the position, the fragment and the rule.
    /// </summary>
    public static bool TryParse(string? text, MiniscriptContext context, [NotNullWhen(true)] out MiniscriptNode<PublicKey>? node, [NotNullWhen(false)] out MiniscriptError? error, MiniscriptChecks checks = MiniscriptChecks.Valid) =>
        TryParse(text, context, MiniscriptPublicKeys.Default, MiniscriptPublicKeys.Default, out node, out error, checks);

    /// <summary>Parses with hex public keys or throws <see cref="BitcoinFormatException"/>.</summary>
    public static MiniscriptNode<PublicKey> Parse(string text, MiniscriptContext context, MiniscriptChecks checks = MiniscriptChecks.Valid) =>
        TryParse(text, context, out var node, out var error, checks) ? node : throw error.ToException();

    /// <summary>Parses miniscript text with a custom key parser (descriptor key expressions, aliases...).</summary>
    public static bool TryParse<TKey>(string? text, MiniscriptContext context, IMiniscriptKeyParser<TKey> keys, IMiniscriptKeyFormatter<TKey> formatter, [NotNullWhen(true)] out MiniscriptNode<TKey>? node, [NotNullWhen(false)] out MiniscriptError? error, MiniscriptChecks checks = MiniscriptChecks.Valid)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(formatter);
        if (!MiniscriptParser<TKey>.TryParse(text, context, keys, out node, out error))
        {
            return false;
        }

        error = Check(node, checks, formatter);
        if (error is not null)
        {
            node = null;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Decodes a script into the miniscript it encodes (Core FromScript), with pushed keys read as
    /// public keys and <c>pk_h</c> hashes resolved among <paramref name="knownKeys"/>.
    /// </summary>
    public static bool TryFromScript(Script script, MiniscriptContext context, [NotNullWhen(true)] out MiniscriptNode<PublicKey>? node, [NotNullWhen(false)] out MiniscriptError? error, IEnumerable<PublicKey>? knownKeys = null) =>
        TryFromScript(script, context, knownKeys is null ? MiniscriptPublicKeys.Default : new MiniscriptPublicKeys(knownKeys), out node, out error);

    /// <summary>Decodes with a custom key decoder.</summary>
    public static bool TryFromScript<TKey>(Script script, MiniscriptContext context, IMiniscriptKeyDecoder<TKey> keys, [NotNullWhen(true)] out MiniscriptNode<TKey>? node, [NotNullWhen(false)] out MiniscriptError? error)
        where TKey : notnull =>
        MiniscriptDecoder<TKey>.TryDecode(script, context, keys, out node, out error);

    /// <summary>Decodes or throws <see cref="BitcoinFormatException"/>.</summary>
    public static MiniscriptNode<PublicKey> FromScript(Script script, MiniscriptContext context, IEnumerable<PublicKey>? knownKeys = null) =>
        TryFromScript(script, context, out var node, out var error, knownKeys) ? node : throw error.ToException();

    /// <summary>The error <paramref name="checks"/> finds in <paramref name="node"/>, or null.</summary>
    public static MiniscriptError? Check<TKey>(MiniscriptNode<TKey> node, MiniscriptChecks checks, IMiniscriptKeyFormatter<TKey> formatter)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(formatter);
        if (checks == MiniscriptChecks.Syntax)
        {
            return null;
        }

        if (!node.Type.IsValid)
        {
            return MiniscriptError.Of(MiniscriptErrorKind.TypeError, ExplainTypeError(node, formatter));
        }

        if (node.ScriptSize > MiniscriptLimits.MaxScriptSize(node.Context))
        {
            return MiniscriptError.Of(MiniscriptErrorKind.ScriptTooLarge, $"the script is {node.ScriptSize} bytes, above the {MiniscriptLimits.MaxScriptSize(node.Context)}-byte limit of {ContextName(node.Context)}");
        }

        if (!node.IsValidTopLevel)
        {
            return MiniscriptError.Of(MiniscriptErrorKind.NotTopLevel, $"the top-level expression is of type {node.Type.BasicType}, but a script must be of type B");
        }

        if (checks == MiniscriptChecks.Sane && node.InsanityReason(formatter) is { } reason)
        {
            return MiniscriptError.Of(node.IsSane ? MiniscriptErrorKind.NotSatisfiable : MiniscriptErrorKind.NotSane, reason);
        }

        return null;
    }

    internal static string ContextName(MiniscriptContext context) => context == MiniscriptContext.Tapscript ? "Tapscript" : "P2WSH";

    /// <summary>Names the smallest sub-expression that does not type-check and the rule it breaks.</summary>
    public static string ExplainTypeError<TKey>(MiniscriptNode<TKey> node, IMiniscriptKeyFormatter<TKey> formatter)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(formatter);
        var culprit = node.Nodes().Where(n => !n.Type.IsValid && n.Subs.All(s => s.Type.IsValid)).FirstOrDefault();
        if (culprit is null)
        {
            return "the expression type-checks";
        }

        var text = culprit.ToString(formatter) ?? MiniscriptNode<TKey>.FragmentName(culprit.Fragment);
        if (text.Length > 120)
        {
            text = text[..117] + "...";
        }

        string T(int i) => i < culprit.Subs.Count ? culprit.Subs[i].Type.ToString() : string.Empty;
        var rule = culprit.Fragment switch
        {
            Fragment.WrapA => $"a: needs a B argument, got {T(0)}",
            Fragment.WrapS => $"s: needs a Bo argument, got {T(0)}",
            Fragment.WrapC => $"c: needs a K argument, got {T(0)}",
            Fragment.WrapD => $"d: needs a Vz argument, got {T(0)}",
            Fragment.WrapV => $"v: needs a B argument, got {T(0)}",
            Fragment.WrapJ => $"j: needs a Bn argument, got {T(0)}",
            Fragment.WrapN => $"n: needs a B argument, got {T(0)}",
            Fragment.AndV => $"and_v(X,Y) needs X of type V and Y of type B, K or V; got {T(0)} and {T(1)}",
            Fragment.AndB => $"and_b(X,Y) needs X of type B and Y of type W; got {T(0)} and {T(1)}",
            Fragment.OrB => $"or_b(X,Z) needs X of type Bd and Z of type Wd; got {T(0)} and {T(1)}",
            Fragment.OrD => $"or_d(X,Z) needs X of type Bdu and Z of type B; got {T(0)} and {T(1)}",
            Fragment.OrC => $"or_c(X,Z) needs X of type Bdu and Z of type V; got {T(0)} and {T(1)}",
            Fragment.OrI => $"or_i(X,Z) needs X and Z of the same type B, K or V; got {T(0)} and {T(1)}",
            Fragment.AndOr => $"andor(X,Y,Z) needs X of type Bdu and Y, Z of the same type B, K or V; got {T(0)}, {T(1)} and {T(2)}",
            Fragment.Thresh => "thresh(k,X1,...,Xn) needs X1 of type Bdu and the others of type Wdu; got " + string.Join(", ", culprit.Subs.Select(s => s.Type.ToString())),
            _ => "does not type-check",
        };
        return $"{text} is invalid: {rule}";
    }
}

/// <summary>
/// Hex public keys for miniscript: parse (33-byte compressed in P2WSH; 32-byte x-only or 33-byte
/// compressed in Tapscript), print (compressed in P2WSH, x-only in Tapscript), encode into scripts
/// and decode from them. <c>pk_h</c> hashes decode to keys given to the constructor.
/// </summary>
public sealed class MiniscriptPublicKeys : IMiniscriptKeyParser<PublicKey>, IMiniscriptKeyFormatter<PublicKey>, IMiniscriptKeyEncoder<PublicKey>, IMiniscriptKeyDecoder<PublicKey>
{
    private readonly Dictionary<string, PublicKey> _byHash = new(StringComparer.Ordinal);

    /// <summary>Keys known for <c>pk_h</c> decoding (in both contexts).</summary>
    public MiniscriptPublicKeys(IEnumerable<PublicKey>? knownKeys = null)
    {
        foreach (var key in knownKeys ?? [])
        {
            _byHash.TryAdd(HashKey(Hash160Of(key, MiniscriptContext.P2Wsh), MiniscriptContext.P2Wsh), key);
            _byHash.TryAdd(HashKey(Hash160Of(key, MiniscriptContext.Tapscript), MiniscriptContext.Tapscript), key);
        }
    }

    /// <summary>A handler without known keys.</summary>
    public static MiniscriptPublicKeys Default { get; } = new();

    /// <summary>Keys are equal when their points are (x-only keys compare as their even-Y point).</summary>
    public IEqualityComparer<PublicKey> KeyComparer => EqualityComparer<PublicKey>.Default;

    /// <inheritdoc />
    public bool TryParseKey(string text, MiniscriptContext context, out PublicKey key, [NotNullWhen(false)] out BitcoinError? error)
    {
        key = default;
        if (!Hex.TryParse(text, out var bytes, out _))
        {
            error = new MiniscriptError(MiniscriptErrorKind.InvalidKey, $"'{Shorten(text)}' is not a hex public key");
            return false;
        }

        if (bytes.Length == 32)
        {
            // BIP340 x-only keys exist only in Tapscript.
            if (context != MiniscriptContext.Tapscript)
            {
                error = new MiniscriptError(MiniscriptErrorKind.WrongContext, "x-only (32-byte) keys are only valid in Tapscript");
                return false;
            }

            if (!XOnlyPublicKey.TryParse(bytes, out var xonly))
            {
                error = new MiniscriptError(MiniscriptErrorKind.InvalidKey, "the x-only key is not a valid secp256k1 x coordinate");
                return false;
            }

            key = xonly.ToPublicKey();
            error = null;
            return true;
        }

        if (bytes.Length != 33 || bytes[0] is not (0x02 or 0x03) || !PublicKey.TryParse(bytes, out key))
        {
            // BIP143/BIP341: only compressed keys in segwit scripts.
            error = new MiniscriptError(MiniscriptErrorKind.InvalidKey, bytes.Length == 65 ? "uncompressed keys are not allowed in segwit scripts" : $"'{Shorten(text)}' is not a compressed public key (33 bytes)");
            return false;
        }

        error = null;
        return true;
    }

    /// <inheritdoc />
    public string? Format(PublicKey key, MiniscriptContext context) => Hex.Encode(ToPushBytes(key, context));

    /// <inheritdoc />
    public byte[] ToPushBytes(PublicKey key, MiniscriptContext context) =>
        context == MiniscriptContext.Tapscript ? key.ToXOnly(out _).ToBytes() : key.ToCompressed();

    /// <inheritdoc />
    public byte[] ToHash160(PublicKey key, MiniscriptContext context) => Hash160Of(key, context);

    /// <inheritdoc />
    public bool TryFromPushBytes(ReadOnlySpan<byte> bytes, MiniscriptContext context, out PublicKey key)
    {
        key = default;
        if (context == MiniscriptContext.Tapscript)
        {
            if (bytes.Length != 32 || !XOnlyPublicKey.TryParse(bytes, out var xonly))
            {
                return false;
            }

            key = xonly.ToPublicKey();
            return true;
        }

        return bytes.Length == 33 && PublicKey.TryParse(bytes, out key);
    }

    /// <inheritdoc />
    public bool TryFromHash160(ReadOnlySpan<byte> hash, MiniscriptContext context, out PublicKey key) =>
        _byHash.TryGetValue(HashKey(hash, context), out key);

    private static byte[] Hash160Of(PublicKey key, MiniscriptContext context)
    {
        var hash = new byte[20];
        Hashes.Hash160(context == MiniscriptContext.Tapscript ? key.ToXOnly(out _).ToBytes() : key.ToCompressed(), hash);
        return hash;
    }

    private static string HashKey(ReadOnlySpan<byte> hash, MiniscriptContext context) => (context == MiniscriptContext.Tapscript ? "t" : "w") + Hex.Encode(hash);

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..21] + "...";
}
