using OPSource.Crypto.Secp256k1;

namespace OPSource.Bitcoin.Consensus;

public static partial class ScriptInterpreter
{
    // BIP341: the output key Q must equal P + tweak*G with the parity the control block states.
    // Core XOnlyPubKey::CheckTapTweak: both keys must be valid x-only keys.
    private static bool TaprootTweakCheck(ReadOnlySpan<byte> outputKey, bool parity, ReadOnlySpan<byte> internalKey, ReadOnlySpan<byte> tweak) =>
        XOnlyPublicKey.TryParse(outputKey, out var q)
        && XOnlyPublicKey.TryParse(internalKey, out var p)
        && q.CheckTweakAdd(p, tweak, parity);
}
