using System.Diagnostics.CodeAnalysis;

namespace OPSource.Bitcoin.Miniscript;

/// <summary>Turns a key into the bytes a script holds (Core Ctx::ToPKBytes / ToPKHBytes).</summary>
/// <typeparam name="TKey">The key type of the miniscript.</typeparam>
public interface IMiniscriptKeyEncoder<in TKey>
{
    /// <summary>The pushed key: 33-byte compressed in P2WSH, 32-byte x-only in Tapscript.</summary>
    byte[] ToPushBytes(TKey key, MiniscriptContext context);

    /// <summary>HASH160 of the pushed key bytes (of the x-only key in Tapscript), for <c>pk_h</c>.</summary>
    byte[] ToHash160(TKey key, MiniscriptContext context);
}

/// <summary>Writes a key in miniscript text (Core Ctx::ToString); null when it cannot (e.g. a private form without the secret).</summary>
/// <typeparam name="TKey">The key type of the miniscript.</typeparam>
public interface IMiniscriptKeyFormatter<in TKey>
{
    /// <summary>The key's text in <paramref name="context"/>.</summary>
    string? Format(TKey key, MiniscriptContext context);
}

/// <summary>Reads keys from miniscript text (Core Ctx::FromString) and says when two keys are the same.</summary>
/// <typeparam name="TKey">The key type of the miniscript.</typeparam>
public interface IMiniscriptKeyParser<TKey>
    where TKey : notnull
{
    /// <summary>Equality of keys, for the duplicate-key sanity rule.</summary>
    IEqualityComparer<TKey> KeyComparer { get; }

    /// <summary>Parses one key expression (the text between the fragment's parentheses or commas); the error is the key grammar's own typed error.</summary>
    bool TryParseKey(string text, MiniscriptContext context, [MaybeNullWhen(false)] out TKey key, [NotNullWhen(false)] out BitcoinError? error);
}

/// <summary>Recovers keys from script bytes (Core Ctx::FromPKBytes / FromPKHBytes), for script to miniscript decoding.</summary>
/// <typeparam name="TKey">The key type of the miniscript.</typeparam>
public interface IMiniscriptKeyDecoder<TKey>
    where TKey : notnull
{
    /// <summary>Equality of keys, for the duplicate-key sanity rule.</summary>
    IEqualityComparer<TKey> KeyComparer { get; }

    /// <summary>A pushed key (33 bytes in P2WSH, 32 in Tapscript).</summary>
    bool TryFromPushBytes(ReadOnlySpan<byte> bytes, MiniscriptContext context, [MaybeNullWhen(false)] out TKey key);

    /// <summary>The key behind a <c>pk_h</c> hash; false when it is not known.</summary>
    bool TryFromHash160(ReadOnlySpan<byte> hash, MiniscriptContext context, [MaybeNullWhen(false)] out TKey key);
}

/// <summary>
/// What a satisfier knows (Core's Satisfier context for <c>Node::Satisfy</c>): signatures for keys,
/// hash preimages and which timelocks the spending transaction meets. Every method defaults to
/// "not available".
/// </summary>
/// <typeparam name="TKey">The key type of the miniscript.</typeparam>
public abstract class MiniscriptSatisfier<TKey>
{
    /// <summary>Key bytes for <c>pk_h</c> witnesses.</summary>
    public abstract IMiniscriptKeyEncoder<TKey> Encoder { get; }

    /// <summary>A signature (with its sighash byte) for <paramref name="key"/>.</summary>
    public virtual MiniscriptAvailability Sign(TKey key, out byte[] signature)
    {
        signature = [];
        return MiniscriptAvailability.No;
    }

    /// <summary>BIP65: whether the spending transaction satisfies <c>after(value)</c>.</summary>
    public virtual bool CheckAfter(uint value) => false;

    /// <summary>BIP112: whether the spending input satisfies <c>older(value)</c>.</summary>
    public virtual bool CheckOlder(uint value) => false;

    /// <summary>A 32-byte preimage of the SHA256 <paramref name="hash"/>.</summary>
    public virtual MiniscriptAvailability SatisfySha256(ReadOnlySpan<byte> hash, out byte[] preimage) => NoPreimage(out preimage);

    /// <summary>A 32-byte preimage of the RIPEMD160 <paramref name="hash"/>.</summary>
    public virtual MiniscriptAvailability SatisfyRipemd160(ReadOnlySpan<byte> hash, out byte[] preimage) => NoPreimage(out preimage);

    /// <summary>A 32-byte preimage of the double-SHA256 <paramref name="hash"/>.</summary>
    public virtual MiniscriptAvailability SatisfyHash256(ReadOnlySpan<byte> hash, out byte[] preimage) => NoPreimage(out preimage);

    /// <summary>A 32-byte preimage of the HASH160 <paramref name="hash"/>.</summary>
    public virtual MiniscriptAvailability SatisfyHash160(ReadOnlySpan<byte> hash, out byte[] preimage) => NoPreimage(out preimage);

    private static MiniscriptAvailability NoPreimage(out byte[] preimage)
    {
        preimage = [];
        return MiniscriptAvailability.No;
    }
}
