using System.Collections.Immutable;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Stacks.Pox;

/// <summary>The pox-4 signer-signature topics (pox-4.clar <c>verify-signer-key-sig</c>).</summary>
public static class Pox4Topic
{
    /// <summary>stack-stx.</summary>
    public const string StackStx = "stack-stx";

    /// <summary>stack-extend.</summary>
    public const string StackExtend = "stack-extend";

    /// <summary>stack-increase.</summary>
    public const string StackIncrease = "stack-increase";

    /// <summary>agg-commit (stack-aggregation-commit).</summary>
    public const string AggregationCommit = "agg-commit";

    /// <summary>agg-increase.</summary>
    public const string AggregationIncrease = "agg-increase";
}

/// <summary>pox-4 calls: the boot contract, signer signatures and the stack-stx / delegate-stx payloads.</summary>
public static class Pox4
{
    /// <summary>The pox-4 contract name.</summary>
    public const string ContractName = "pox-4";

    /// <summary>The boot address (SP000000000000000000002Q6VF78 / ST000000000000000000002AMW42H).</summary>
    public static StacksAddress BootAddress(StacksNetwork network) => new(network.SingleSigVersion, new byte[20]);

    /// <summary>The pox-4 signer message tuple (pox-4.clar <c>get-signer-key-message-hash</c>).</summary>
    public static ClarityValue SignerMessage(PoxAddress poxAddress, ulong rewardCycle, string topic, ulong period, UInt128 maxAmount, UInt128 authId) =>
        Cv.Tuple(
            ("pox-addr", poxAddress.ToClarity()),
            ("reward-cycle", Cv.UInt(rewardCycle)),
            ("topic", Cv.Ascii(topic)),
            ("period", Cv.UInt(period)),
            ("max-amount", Cv.UInt(maxAmount)),
            ("auth-id", Cv.UInt(authId)));

    /// <summary>The SIP-018 domain pox-4 checks against: name "pox-4-signer", version "1.0.0", the chain id.</summary>
    public static ClarityValue SignerDomain(StacksNetwork network) => StructuredData.Domain("pox-4-signer", "1.0.0", network.ChainId);

    /// <summary>The signer signature (65 bytes r‖s‖recid) authorising a stacking operation.</summary>
    public static byte[] SignerSignature(StacksPrivateKey signer, StacksNetwork network, PoxAddress poxAddress, ulong rewardCycle, string topic, ulong period, UInt128 maxAmount, UInt128 authId) =>
        StructuredData.Sign(signer.Secret, SignerDomain(network), SignerMessage(poxAddress, rewardCycle, topic, period, maxAmount, authId));

    /// <summary>
    /// stack-stx (amount-ustx uint) (pox-addr (tuple (version (buff 1)) (hashbytes (buff 32)))) (start-burn-ht uint)
    /// (lock-period uint) (signer-sig (optional (buff 65))) (signer-key (buff 33)) (max-amount uint) (auth-id uint).
    /// </summary>
    public static ContractCallPayload StackStx(StacksNetwork network, ulong amountUstx, PoxAddress poxAddress, ulong startBurnHeight, ulong lockPeriod,
        byte[]? signerSignature, byte[] signerKey, UInt128 maxAmount, UInt128 authId)
    {
        if (lockPeriod is < 1 or > 12)
        {
            throw new StacksException("pox_lock_period", $"pox: lock period {lockPeriod} is outside 1..12 cycles");
        }

        if (signerKey.Length != 33)
        {
            throw new StacksException("pox_signer_key", "pox: the signer key must be a 33-byte compressed public key");
        }

        return new ContractCallPayload(BootAddress(network), ContractName, "stack-stx",
        [
            Cv.UInt(amountUstx),
            poxAddress.ToClarity(),
            Cv.UInt(startBurnHeight),
            Cv.UInt(lockPeriod),
            signerSignature is null ? Cv.None : Cv.Some(Cv.Buffer(signerSignature)),
            Cv.Buffer(signerKey),
            Cv.UInt(maxAmount),
            Cv.UInt(authId),
        ]);
    }

    /// <summary>delegate-stx (amount-ustx uint) (delegate-to principal) (until-burn-ht (optional uint)) (pox-addr (optional tuple)).</summary>
    public static ContractCallPayload DelegateStx(StacksNetwork network, ulong amountUstx, ClarityValue delegateTo, ulong? untilBurnHeight, PoxAddress? poxAddress)
    {
        if (delegateTo is not (ClarityStandardPrincipal or ClarityContractPrincipal))
        {
            throw new StacksException("pox_delegate", "pox: delegate-to must be a principal");
        }

        return new ContractCallPayload(BootAddress(network), ContractName, "delegate-stx",
        [
            Cv.UInt(amountUstx),
            delegateTo,
            untilBurnHeight is { } h ? Cv.Some(Cv.UInt(h)) : Cv.None,
            poxAddress is null ? Cv.None : Cv.Some(poxAddress.ToClarity()),
        ]);
    }

    /// <summary>Read-only function names used by <c>opsource stacks pox-info</c>.</summary>
    public static ImmutableArray<string> ReadOnlyFunctions { get; } = ["get-pox-info", "current-pox-reward-cycle", "get-stacker-info"];
}
