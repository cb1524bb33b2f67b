using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Sighash;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;
using OPSource.Crypto.Secp256k1.Adaptor;
using OPSource.Dlc.Contracts;

namespace OPSource.Dlc.Transactions;

/// <summary>
/// Adaptor signatures on every CET (Protocol.md: one per adaptor point, encrypted with the oracle
/// outcome's signature point) and the refund signature, both over BIP143 SIGHASH_ALL digests of the funding
/// output's 2-of-2 script. Signing and verification run in parallel over all cores.
/// </summary>
public static class CetSigning
{
    /// <summary>BIP143 digest of a transaction spending the funding output at input 0.</summary>
    public static byte[] SigHash(Transaction tx, DlcTransactions transactions)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(transactions);
        return SignatureHash.SegwitV0(new PrecomputedTransactionData(tx), 0, transactions.FundingScript.Span, transactions.FundOutputValue, SigHashType.All).Value.ToBytes();
    }

    /// <summary>The digest of every CET.</summary>
    public static byte[][] CetSigHashes(DlcTransactions transactions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var hashes = new byte[transactions.Cets.Count][];
        Parallel.For(0, hashes.Length, new ParallelOptions { CancellationToken = cancellationToken }, i => hashes[i] = SigHash(transactions.Cets[i], transactions));
        return hashes;
    }

    /// <summary>Adaptor-signs every slot of the plan with the party's funding key, in message order.</summary>
    public static AdaptorSignature[] SignCets(AdaptorPlan plan, DlcTransactions transactions, SecretKey fundingKey, CancellationToken cancellationToken = default) =>
        SignCets(plan, transactions, fundingKey, -1, cancellationToken);

    /// <summary>Adaptor-signs every slot using at most <paramref name="maxDegreeOfParallelism"/> threads (-1: all cores).</summary>
    public static AdaptorSignature[] SignCets(AdaptorPlan plan, DlcTransactions transactions, SecretKey fundingKey, int maxDegreeOfParallelism, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(fundingKey);
        var hashes = CetSigHashes(transactions, cancellationToken);
        var signatures = new AdaptorSignature[plan.Slots.Count];
        Parallel.For(0, signatures.Length, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = maxDegreeOfParallelism }, i =>
        {
            var slot = plan.Slots[i];
            signatures[i] = EcdsaAdaptor.Encrypt(fundingKey, plan.AdaptorPoint(slot), hashes[slot.CetIndex]);
        });
        return signatures;
    }

    /// <summary>
    /// Verifies the counterparty's adaptor signatures (one per slot, in order) against its funding key.
    /// Returns -1 when all verify, otherwise the lowest failing index; a count mismatch fails at the first
    /// missing or extra position.
    /// </summary>
    public static int VerifyCets(AdaptorPlan plan, DlcTransactions transactions, PublicKey signer, IReadOnlyList<AdaptorSignature> signatures, CancellationToken cancellationToken = default) =>
        VerifyCets(plan, transactions, signer, signatures, CetIndexing.Spec, cancellationToken);

    /// <summary>
    /// <see cref="VerifyCets(AdaptorPlan, DlcTransactions, PublicKey, IReadOnlyList{AdaptorSignature}, CancellationToken)"/>
    /// with a choice of which CET each slot's signature is taken over.
    /// </summary>
    public static int VerifyCets(AdaptorPlan plan, DlcTransactions transactions, PublicKey signer, IReadOnlyList<AdaptorSignature> signatures, CetIndexing indexing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(signatures);
        if (signatures.Count != plan.Slots.Count)
        {
            return Math.Min(signatures.Count, plan.Slots.Count);
        }

        var hashes = CetSigHashes(transactions, cancellationToken);
        int firstBad = int.MaxValue;
        Parallel.For(0, signatures.Count, new ParallelOptions { CancellationToken = cancellationToken }, (i, state) =>
        {
            if (i > Volatile.Read(ref firstBad))
            {
                return;
            }

            var slot = plan.Slots[i];
            if (!signatures[i].Verify(signer, hashes[CetIndexOf(plan, slot, indexing)], plan.AdaptorPoint(slot)))
            {
                int current;
                do
                {
                    current = Volatile.Read(ref firstBad);
                }
                while (i < current && Interlocked.CompareExchange(ref firstBad, i, current) != current);
            }
        });
        return firstBad == int.MaxValue ? -1 : firstBad;
    }

    /// <summary>The CET a slot's signature is over under an indexing convention.</summary>
    public static int CetIndexOf(AdaptorPlan plan, AdaptorSlot slot, CetIndexing indexing)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(slot);
        if (indexing == CetIndexing.Spec)
        {
            return slot.CetIndex;
        }

        // rust-dlc's offerer signs disjoint contract info k's slots over the CET at the index relative to info k's
        // first CET, counted from the start of the whole CET list (so over info 0's CETs).
        int info = plan.InfoOf(slot);
        return slot.CetIndex - plan.InfoCetStart[info];
    }

    /// <summary>Signs the refund transaction (low-R, like Core and rust-dlc).</summary>
    public static EcdsaSignature SignRefund(DlcTransactions transactions, SecretKey fundingKey)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        return Ecdsa.SignGrindLowR(fundingKey, SigHash(transactions.Refund, transactions));
    }

    /// <summary>Checks a refund signature.</summary>
    public static bool VerifyRefund(DlcTransactions transactions, PublicKey signer, EcdsaSignature signature)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        return Ecdsa.Verify(signature, SigHash(transactions.Refund, transactions), signer);
    }

    /// <summary>
    /// A fully signed CET or refund: the witness <c>0 sig1 sig2 script</c> with the signatures in the order of
    /// their keys in the 2-of-2 script (Transactions.md).
    /// </summary>
    public static Transaction WithMultisigWitness(Transaction tx, DlcTransactions transactions, PublicKey ownKey, EcdsaSignature own, PublicKey otherKey, EcdsaSignature other)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(transactions);
        var ownDer = WithHashType(own);
        var otherDer = WithHashType(other);
        bool ownFirst = ownKey.ToCompressed().AsSpan().SequenceCompareTo(otherKey.ToCompressed()) < 0;
        var witness = Witness.Create(
            Array.Empty<byte>(),
            ownFirst ? ownDer : otherDer,
            ownFirst ? otherDer : ownDer,
            transactions.FundingScript.ToBytes());
        return tx.WithWitness(0, witness);
    }

    /// <summary>
    /// Verifies a spend of the funding output with the consensus interpreter (standard flags); returns the
    /// script error, <see cref="ScriptError.OK"/> when valid.
    /// </summary>
    public static ScriptError VerifySpend(Transaction tx, DlcTransactions transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var spent = transactions.Funding.Outputs[transactions.FundOutputIndex];
        return TransactionVerifier.VerifyInputs(tx, [spent], ScriptFlags.Standard).Error;
    }

    private static byte[] WithHashType(EcdsaSignature signature)
    {
        var der = signature.ToDer();
        var result = new byte[der.Length + 1];
        der.CopyTo(result, 0);
        result[^1] = SigHashType.All.ToByte();
        return result;
    }
}

/// <summary>Which CET each adaptor signature is taken over.</summary>
public enum CetIndexing
{
    /// <summary>Protocol.md: every signature over the CET of its outcome.</summary>
    Spec,

    /// <summary>
    /// rust-dlc's <c>sign_dlc</c> for disjoint contracts: the offerer's signatures for every contract info after
    /// the first are over CETs of the first info (a rust-dlc bug the dlcspecs 2022 vectors contain). Such
    /// signatures cannot close the contract on those outcomes.
    /// </summary>
    RustDlcDisjointOffer,
}
