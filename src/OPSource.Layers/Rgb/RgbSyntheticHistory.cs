namespace OPSource.Layers.Rgb;

/// <summary>
/// Builds long, valid histories for tests and benchmarks: a chain of self-transfers of a fungible contract's
/// whole genesis allocation, each committed (one-leaf MPC tree, opret) in an unsigned witness transaction that
/// spends the previous one. The witnesses are returned for a <see cref="TxDirectoryResolver"/>.
/// </summary>
public static class RgbSyntheticHistory
{
    public static (Consignment Consignment, IReadOnlyList<RgbTx> Witnesses) SelfTransfers(Consignment contract, int count)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var schema = contract.Schema;
        var transfer = schema.Transitions.FirstOrDefault(t => t.Name == "transfer")
            ?? throw new ArgumentException("the schema has no transfer transition", nameof(contract));
        ushort assignType = schema.DefaultAssignment ?? throw new ArgumentException("the schema has no default assignment", nameof(contract));
        var genesisAssign = contract.Genesis.Assignments.FirstOrDefault(a => a.Type == assignType)
            ?? throw new ArgumentException("the genesis has no default assignment", nameof(contract));
        if (genesisAssign.Assigns.Items is not [{ Seal: { Txid: { } firstTxid } seal } item] || genesisAssign.Assigns.Kind != StateType.Fungible)
        {
            throw new ArgumentException("the genesis must hold one revealed fungible allocation", nameof(contract));
        }

        var contractId = RgbIds.OpId(contract.Genesis);
        var prev = new Opout(contractId, assignType, 0);
        var prevTxid = firstTxid;
        uint prevVout = seal.Vout;
        ulong amount = item.Amount;
        var bundles = new List<WitnessBundle>(count);
        var witnesses = new List<RgbTx>(count);
        var proof = new MpcProof(0, 0, []);
        for (int i = 0; i < count; i++)
        {
            var t = new Transition(
                0, contractId, ulong.MaxValue, transfer.Type, [], [], [prev],
                [new AssignmentEntry(assignType, new TypedAssigns(StateType.Fungible, [new Assign(new BlindSeal(null, 1, (ulong)i + 1), null, amount, null)]))],
                null);
            var opid = RgbIds.OpId(t);
            var bundle = new TransitionBundle([new InputMapEntry(prev, opid)], [new KnownTransition(opid, t)]);
            var commitment = Commitments.Convolve(proof, contractId, RgbIds.BundleId(bundle), out _)!.Value;
            var tx = new RgbTx(
                2,
                [new RgbTxIn(prevTxid, prevVout, [], 0, [])],
                [new RgbTxOut(0, [0x6a, 0x20, .. commitment.Span]), new RgbTxOut(1000, [0x00, 0x14, .. new byte[20]])],
                0);
            bundles.Add(new WitnessBundle(new PubWitness(tx, null), new Anchor(proof, new OpretProof()), bundle));
            witnesses.Add(tx);
            prev = new Opout(opid, assignType, 0);
            prevTxid = RgbIds.Txid(tx);
            prevVout = 1;
        }

        return (contract with { Transfer = true, Terminals = [], Bundles = [.. contract.Bundles, .. bundles] }, witnesses);
    }

    /// <summary>The contract part of a consignment: genesis, schema, types and scripts, no bundles or terminals.</summary>
    public static Consignment ContractOnly(Consignment c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c with { Transfer = false, Terminals = [], Bundles = [] };
    }
}
