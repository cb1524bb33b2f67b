namespace OPSource.Bitcoin.Consensus;

public static partial class ScriptInterpreter
{
    // BIP341: q (the output key) equals internal + tweak*G with the stated parity. Wired to
    // OPSource.Crypto.Secp256k1 once that API is available.
    private static bool TaprootTweakCheck(ReadOnlySpan<byte> outputKey, bool parity, ReadOnlySpan<byte> internalKey, ReadOnlySpan<byte> tweak) =>
        throw new PlatformNotSupportedException("secp256k1 not yet wired");
}
