using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Consensus;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Fuzz.Targets;

/// <summary>Raw transactions and blocks: parse, serialize, parse again.</summary>
internal static class TransactionTargets
{
    public static FuzzTarget Transaction { get; } = new(
        "transaction",
        "Transaction.TryParse (with and without witness) and TryDecode (Core's DecodeHexTx): ser(parse(x)) == x; sizes, ids, CheckTransaction, ASM, templates and addresses of every script",
        RunTransaction,
        TransactionSeeds);

    public static FuzzTarget Block { get; } = new(
        "block",
        "Block.TryParse: ser(parse(x)) == x; merkle roots, witness commitment, weight, every transaction's checks",
        RunBlock,
        BlockSeeds);

    private static void RunTransaction(ReadOnlyMemory<byte> input)
    {
        var data = input.Span;
        foreach (var allowWitness in (ReadOnlySpan<bool>)[true, false])
        {
            if (Bitcoin.Transactions.Transaction.TryParse(data, out var tx, out var error, allowWitness))
            {
                FuzzOracleException.Check(error is null, "TryParse succeeded with an error message");
                FuzzOracleException.Equal(data, tx.ToBytes(), "transaction ser(parse(x))");
                Exercise(tx);
            }
            else
            {
                FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "TryParse failed without an error message");
            }
        }

        if (Bitcoin.Transactions.Transaction.TryDecode(data, out var decoded, out _))
        {
            FuzzOracleException.Equal(data, decoded.ToBytes(decoded.HasWitness), "transaction ser(decode(x))");
            Exercise(decoded);
        }
    }

    /// <summary>Every derived property of a parsed transaction, with the invariants between them.</summary>
    internal static void Exercise(Transaction tx)
    {
        var bytes = tx.ToBytes();
        FuzzOracleException.Check(tx.Size == bytes.Length, "Size != serialized length");
        FuzzOracleException.Check(tx.StrippedSize == tx.ToBytes(false).Length, "StrippedSize != length without witness");
        FuzzOracleException.Check(tx.Weight == (tx.StrippedSize * 3) + tx.Size, "Weight formula");
        FuzzOracleException.Check(tx.HasWitness || tx.GetTxId().ToString() == tx.GetWtxid().ToString(), "txid != wtxid without witness");
        if (!Bitcoin.Transactions.Transaction.TryParse(bytes, out var again, out var error, allowWitness: tx.HasWitness))
        {
            throw new FuzzOracleException("parse(ser(tx)) failed: " + error);
        }

        FuzzOracleException.Check(again.Equals(tx), "parse(ser(tx)) != tx");
        _ = TransactionChecks.CheckTransaction(tx, out _);
        _ = tx.IsFinal(0, 0);
        if (tx.TryGetTotalOutput(out var total))
        {
            FuzzOracleException.Check(tx.TotalOutput == total, "TotalOutput != TryGetTotalOutput");
        }
        else
        {
            FuzzOracleException.Check(Throws<InvalidOperationException>(() => _ = tx.TotalOutput), "TotalOutput did not throw its documented error");
        }
        foreach (var input in tx.Inputs)
        {
            _ = ScriptAsm.ToAsm(input.ScriptSig, attemptSighashDecode: true);
            _ = input.Witness.ToString();
        }

        foreach (var output in tx.Outputs)
        {
            ScriptTargets.ExerciseScript(output.ScriptPubKey);
            foreach (var network in Network.All)
            {
                if (Address.TryFromScriptPubKey(output.ScriptPubKey, network, out var address))
                {
                    AddressTargets.CheckRoundTrip(address.ToString(), network, output.ScriptPubKey.ToBytes());
                }
            }
        }
    }

    internal static bool Throws<T>(Action action)
        where T : Exception
    {
        try
        {
            action();
            return false;
        }
        catch (T)
        {
            return true;
        }
    }

    private static void RunBlock(ReadOnlyMemory<byte> input)
    {
        var data = input.Span;
        if (!Bitcoin.Blocks.Block.TryParse(data, out var block, out var error))
        {
            FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "Block.TryParse failed without an error message");
            return;
        }

        FuzzOracleException.Equal(data, block.ToBytes(), "block ser(parse(x))");
        FuzzOracleException.Check(block.Size == data.Length, "block Size != serialized length");
        _ = block.GetHash();
        _ = block.Weight;
        _ = block.ComputeMerkleRoot(out _);
        _ = block.CheckMerkleRoot(out _);
        _ = block.GetWitnessCommitmentIndex();
        _ = block.CheckWitnessCommitment(out _);
        if (block.Transactions.Count > 0)
        {
            _ = block.ComputeWitnessMerkleRoot(out _);
        }

        if (!BlockHeader.TryParse(data[..Math.Min(data.Length, BlockHeader.Size)], out var header, out _))
        {
            throw new FuzzOracleException("a parsed block's first 80 bytes are not a header");
        }

        FuzzOracleException.Check(header.GetHash() == block.GetHash(), "header hash != block hash");
        foreach (var tx in block.Transactions)
        {
            Exercise(tx);
        }
    }

    private static IEnumerable<byte[]> TransactionSeeds(string vectors)
    {
        // Core sighash.json: [raw_tx, script, input_index, hashType, sighash] (first row is a comment).
        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "src-test-data", "sighash.json").AsArray().Skip(1).Take(200))
        {
            yield return Seeds.Hex((string?)row![0]);
        }

        var bip341 = Seeds.Json(vectors, "bips", "bip341_wallet-test-vectors.json");
        foreach (var spend in bip341["keyPathSpending"]!.AsArray())
        {
            yield return Seeds.Hex((string?)spend!["given"]!["rawUnsignedTx"]);
        }

        foreach (var block in BlockSeeds(vectors))
        {
            if (Bitcoin.Blocks.Block.TryParse(block, out var parsed, out _))
            {
                foreach (var tx in parsed.Transactions.Take(4))
                {
                    yield return tx.ToBytes();
                }
            }
        }
    }

    private static IEnumerable<byte[]> BlockSeeds(string vectors)
    {
        // Core blockfilters.json: [height, hash, block_hex, ...] (first row is a comment).
        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "src-test-data", "blockfilters.json").AsArray().Skip(1))
        {
            yield return Seeds.Hex((string?)row![2]);
        }
    }
}
