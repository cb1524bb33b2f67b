using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Blocks;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Chain.Rpc;

/// <summary>A result did not have the shape the method promises (wrapped as an invalid-response transport error).</summary>
internal sealed class RpcResultFormatException(string message) : Exception(message);

/// <summary>Parsers from a reply's raw <c>result</c> JSON to typed values. Every parser validates what it builds.</summary>
internal static class RpcParse
{
    public static T Object<T>(ReadOnlyMemory<byte> json, JsonTypeInfo<T> info)
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(json.Span, info);
        }
        catch (JsonException ex)
        {
            throw new RpcResultFormatException($"unexpected result shape: {ex.Message}");
        }

        return value ?? throw new RpcResultFormatException("result is null");
    }

    public static JsonNode? Node(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonNode.Parse(json.Span);
        }
        catch (JsonException ex)
        {
            throw new RpcResultFormatException($"malformed result: {ex.Message}");
        }
    }

    public static bool IsNull(ReadOnlyMemory<byte> json) => json.Span.SequenceEqual("null"u8);

    public static long Int64(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        if (reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n))
        {
            return n;
        }

        throw new RpcResultFormatException("expected an integer");
    }

    public static int Int32(ReadOnlyMemory<byte> json)
    {
        var n = Int64(json);
        return n is >= int.MinValue and <= int.MaxValue ? (int)n : throw new RpcResultFormatException("integer out of range");
    }

    public static string String(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        if (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString()!;
        }

        throw new RpcResultFormatException("expected a string");
    }

    /// <summary>Decodes a JSON string of hex digits straight from the UTF-8 bytes (no intermediate string).</summary>
    public static byte[] HexBytes(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
        {
            throw new RpcResultFormatException("expected a hex string");
        }

        var hex = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
        return DecodeHex(hex);
    }

    public static byte[] DecodeHex(ReadOnlySpan<byte> utf8Hex)
    {
        if ((utf8Hex.Length & 1) != 0)
        {
            throw new RpcResultFormatException("hex string of odd length");
        }

        var bytes = new byte[utf8Hex.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            var hi = HexValue(utf8Hex[2 * i]);
            var lo = HexValue(utf8Hex[(2 * i) + 1]);
            if ((hi | lo) < 0)
            {
                throw new RpcResultFormatException("non-hex character in hex string");
            }

            bytes[i] = (byte)((hi << 4) | lo);
        }

        return bytes;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    public static BlockHash BlockHashValue(ReadOnlyMemory<byte> json) => ParseBlockHash(String(json));

    public static TxId TxIdValue(ReadOnlyMemory<byte> json) => ParseTxId(String(json));

    public static BlockHash ParseBlockHash(string? hex) =>
        BlockHash.TryParse(hex, out var h) ? h : throw new RpcResultFormatException($"'{Truncate(hex)}' is not a block hash");

    public static TxId ParseTxId(string? hex) =>
        TxId.TryParse(hex, out var t) ? t : throw new RpcResultFormatException($"'{Truncate(hex)}' is not a txid");

    public static Wtxid ParseWtxid(string? hex) =>
        UInt256.TryParse(hex, out var v) ? new Wtxid(v) : throw new RpcResultFormatException($"'{Truncate(hex)}' is not a wtxid");

    public static UInt256 ParseUInt256(string? hex) =>
        UInt256.TryParse(hex, out var v) ? v : throw new RpcResultFormatException($"'{Truncate(hex)}' is not a 256-bit hex number");

    /// <summary>A non-negative amount Core prints in BTC (values, base fees, totals).</summary>
    public static Amount Btc(decimal btc) =>
        Amount.TryFromSatoshis(SignedBtc(btc).Satoshis, out var amount)
            ? amount
            : throw new RpcResultFormatException($"amount {btc.ToString(CultureInfo.InvariantCulture)} BTC is outside 0..21,000,000 BTC");

    /// <summary>A signed amount Core prints in BTC (modified fees, which prioritisetransaction can make negative).</summary>
    public static SignedAmount SignedBtc(decimal btc)
    {
        var sats = btc * Amount.SatoshisPerBitcoin;
        if (sats != decimal.Truncate(sats) || sats > long.MaxValue || sats < long.MinValue)
        {
            throw new RpcResultFormatException($"amount {btc.ToString(CultureInfo.InvariantCulture)} BTC is not a whole number of satoshis");
        }

        return SignedAmount.FromSatoshis((long)sats);
    }

    /// <summary>A rate Core prints in BTC/kvB.</summary>
    public static FeeRate BtcPerKvB(decimal btcPerKvB)
    {
        var satPerKvB = btcPerKvB * Amount.SatoshisPerBitcoin;
        if (satPerKvB < 0 || satPerKvB != decimal.Truncate(satPerKvB) || satPerKvB > long.MaxValue)
        {
            throw new RpcResultFormatException($"fee rate {btcPerKvB.ToString(CultureInfo.InvariantCulture)} BTC/kvB is not a whole number of sat/kvB");
        }

        return new FeeRate((long)satPerKvB);
    }

    public static DateTimeOffset Unix(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    public static Transaction TransactionHex(ReadOnlyMemory<byte> json) => ParseTransaction(HexBytes(json));

    public static Transaction ParseTransaction(ReadOnlySpan<byte> bytes) =>
        Transaction.TryParse(bytes, out var tx, out var error) ? tx : throw new RpcResultFormatException(error?.Message ?? "bad transaction");

    public static Transaction ParseTransactionHex(string hex) => ParseTransaction(DecodeHex(System.Text.Encoding.ASCII.GetBytes(hex)));

    public static Block BlockHex(ReadOnlyMemory<byte> json)
    {
        var bytes = HexBytes(json);
        return Block.TryParse(bytes, out var block, out var error) ? block : throw new RpcResultFormatException(error?.Message ?? "bad block");
    }

    public static BlockHeader HeaderHex(ReadOnlyMemory<byte> json)
    {
        var bytes = HexBytes(json);
        return BlockHeader.TryParse(bytes, out var header, out var error) ? header : throw new RpcResultFormatException(error?.Message ?? "bad header");
    }

    public static IReadOnlyList<string> Warnings(JsonElement warnings) => warnings.ValueKind switch
    {
        JsonValueKind.String => warnings.GetString() is { Length: > 0 } s ? [s] : [],
        JsonValueKind.Array => [.. warnings.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)],
        _ => [],
    };

    public static BlockchainInfo BlockchainInfo(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.BlockchainInfoDto);
        Network.TryGet(d.Chain, out var network);
        uint bits = 0;
        if (d.Bits is not null && !uint.TryParse(d.Bits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bits))
        {
            throw new RpcResultFormatException($"bits '{Truncate(d.Bits)}' is not hex");
        }

        return new BlockchainInfo(
            d.Chain, network, d.Blocks, d.Headers, ParseBlockHash(d.BestBlockHash), bits, d.Difficulty, Unix(d.Time), Unix(d.MedianTime),
            d.VerificationProgress, d.InitialBlockDownload, ParseUInt256(d.ChainWork), d.SizeOnDisk, d.Pruned, d.PruneHeight, Warnings(d.Warnings));
    }

    public static NetworkInfo NetworkInfo(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.NetworkInfoDto);
        return new NetworkInfo(
            d.Version, d.Subversion, d.ProtocolVersion, d.LocalRelay, d.TimeOffset, d.NetworkActive, d.Connections, d.ConnectionsIn, d.ConnectionsOut,
            BtcPerKvB(d.RelayFee), BtcPerKvB(d.IncrementalFee), Warnings(d.Warnings));
    }

    public static BlockHeaderInfo HeaderInfo(BlockHeaderDto d)
    {
        var hash = ParseBlockHash(d.Hash);
        if (!uint.TryParse(d.Bits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits))
        {
            throw new RpcResultFormatException($"bits '{Truncate(d.Bits)}' is not hex");
        }

        var previous = d.PreviousBlockHash is null ? (BlockHash?)null : ParseBlockHash(d.PreviousBlockHash);
        var header = new BlockHeader(d.Version, previous ?? BlockHash.Zero, new TxMerkleNode(ParseUInt256(d.MerkleRoot)), d.Time, bits, d.Nonce);
        if (header.GetBlockHash() != hash)
        {
            throw new RpcResultFormatException($"header fields of block {hash} do not hash to it");
        }

        return new BlockHeaderInfo(
            hash, d.Confirmations, d.Height, header, Unix(d.MedianTime), ParseUInt256(d.ChainWork), d.TransactionCount, previous,
            d.NextBlockHash is null ? null : ParseBlockHash(d.NextBlockHash));
    }

    public static BlockHeaderInfo HeaderInfo(ReadOnlyMemory<byte> json) => HeaderInfo(Object(json, RpcJsonContext.Default.BlockHeaderDto));

    public static VerboseBlock VerboseBlock(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.VerboseBlockDto);
        return new VerboseBlock(HeaderInfo(d), d.Size, d.StrippedSize, d.Weight, [.. d.Tx.Select(ParseTxId)]);
    }

    public static VerboseBlockWithTransactions VerboseBlock2(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.VerboseBlock2Dto);
        var info = HeaderInfo(d);
        var txs = new Transaction[d.Tx.Count];
        var fees = new Amount?[d.Tx.Count];
        for (var i = 0; i < txs.Length; i++)
        {
            txs[i] = ParseTransactionHex(d.Tx[i].Hex);
            if (txs[i].GetTxId() != ParseTxId(d.Tx[i].TxId))
            {
                throw new RpcResultFormatException($"transaction {i} of block {info.Hash} does not hash to its txid");
            }

            fees[i] = d.Tx[i].Fee is { } fee ? Btc(fee) : null;
        }

        var block = new Block(info.Header, txs);
        if (!block.CheckMerkleRoot(out var error))
        {
            throw new RpcResultFormatException($"block {info.Hash}: {error}");
        }

        return new VerboseBlockWithTransactions(info, d.Size, d.StrippedSize, d.Weight, block, fees);
    }

    public static RawTransactionInfo RawTransactionInfo(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.RawTransactionDto);
        var tx = ParseTransactionHex(d.Hex);
        if (tx.GetTxId() != ParseTxId(d.TxId))
        {
            throw new RpcResultFormatException($"transaction hex does not hash to {Truncate(d.TxId)}");
        }

        return new RawTransactionInfo(
            tx, d.BlockHash is null ? null : ParseBlockHash(d.BlockHash), d.Confirmations ?? 0,
            d.BlockTime is { } t ? Unix(t) : null, d.InActiveChain);
    }

    public static MempoolEntry MempoolEntry(TxId txid, MempoolEntryDto d) => new(
        txid, ParseWtxid(d.Wtxid), d.VSize, d.Weight, Unix(d.Time), d.Height, d.DescendantCount, d.DescendantSize,
        d.AncestorCount, d.AncestorSize, Btc(d.Fees.Base), SignedBtc(d.Fees.Modified), SignedBtc(d.Fees.Ancestor), SignedBtc(d.Fees.Descendant),
        [.. d.Depends.Select(ParseTxId)], [.. d.SpentBy.Select(ParseTxId)], d.Bip125Replaceable, d.Unbroadcast);

    public static IReadOnlyDictionary<TxId, MempoolEntry> VerboseMempool(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.DictionaryStringMempoolEntryDto);
        var result = new Dictionary<TxId, MempoolEntry>(d.Count);
        foreach (var (key, entry) in d)
        {
            var txid = ParseTxId(key);
            result[txid] = MempoolEntry(txid, entry);
        }

        return result;
    }

    public static IReadOnlyList<TxId> TxIdList(ReadOnlyMemory<byte> json) =>
        [.. Object(json, RpcJsonContext.Default.ListString).Select(ParseTxId)];

    public static IReadOnlyList<BlockHash> BlockHashList(ReadOnlyMemory<byte> json) =>
        [.. Object(json, RpcJsonContext.Default.ListString).Select(ParseBlockHash)];

    public static MempoolTxIds MempoolTxIds(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.MempoolTxIdsDto);
        return new MempoolTxIds([.. d.TxIds.Select(ParseTxId)], d.MempoolSequence);
    }

    public static TxOutInfo? TxOut(ReadOnlyMemory<byte> json)
    {
        if (IsNull(json))
        {
            return null;
        }

        var d = Object(json, RpcJsonContext.Default.TxOutDto);
        return new TxOutInfo(ParseBlockHash(d.BestBlock), d.Confirmations, Btc(d.Value), new Script(DecodeHex(System.Text.Encoding.ASCII.GetBytes(d.ScriptPubKey.Hex))), d.Coinbase);
    }

    public static IReadOnlyList<MempoolAcceptResult> MempoolAccept(ReadOnlyMemory<byte> json) =>
        [.. Object(json, RpcJsonContext.Default.ListMempoolAcceptDto).Select(d => new MempoolAcceptResult(
            ParseTxId(d.TxId),
            ParseWtxid(d.Wtxid),
            d.Allowed ?? false,
            d.VSize,
            d.Fees?.Base is { } fee ? Btc(fee) : null,
            d.Fees?.EffectiveFeeRate is { } rate ? BtcPerKvB(rate) : null,
            [.. (d.Fees?.EffectiveIncludes ?? []).Select(ParseWtxid)],
            d.RejectReason,
            d.RejectDetails,
            d.PackageError))];

    public static FeeEstimate FeeEstimate(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.FeeEstimateDto);
        return new FeeEstimate(d.FeeRate is { } r ? BtcPerKvB(r) : null, d.Blocks, d.Errors ?? []);
    }

    public static MempoolInfo MempoolInfo(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.MempoolInfoDto);
        return new MempoolInfo(
            d.Loaded, d.Size, d.Bytes, d.Usage, Btc(d.TotalFee), d.MaxMempool, BtcPerKvB(d.MempoolMinFee), BtcPerKvB(d.MinRelayTxFee),
            BtcPerKvB(d.IncrementalRelayFee), d.UnbroadcastCount, d.FullRbf);
    }

    public static BlockStats BlockStats(ReadOnlyMemory<byte> json)
    {
        var d = Object(json, RpcJsonContext.Default.BlockStatsDto);
        static Amount? M(long? sats) => sats is { } s ? Amount.TryFromSatoshis(s, out var a) ? a : throw new RpcResultFormatException($"getblockstats amount {s} sat is outside 0..21,000,000 BTC") : null;

        // getblockstats prints fee rates as whole sat/vB (CAmount per vbyte).
        static FeeRate? R(long? satPerVb) => satPerVb is { } r ? new FeeRate(checked(r * 1000)) : null;
        return new BlockStats(
            d.BlockHash is null ? null : ParseBlockHash(d.BlockHash), d.Height, d.Time is { } t ? Unix(t) : null, d.MedianTime is { } mt ? Unix(mt) : null,
            d.Txs, d.Ins, d.Outs, M(d.Subsidy), M(d.TotalFee), M(d.TotalOut), M(d.AvgFee), M(d.MedianFee), M(d.MinFee), M(d.MaxFee),
            R(d.AvgFeeRate), R(d.MinFeeRate), R(d.MaxFeeRate), d.FeeRatePercentiles?.Select(p => new FeeRate(checked(p * 1000))).ToList(),
            d.AvgTxSize, d.MedianTxSize, d.MinTxSize, d.MaxTxSize, d.TotalSize, d.TotalWeight, d.SwTxs, d.SwTotalSize, d.SwTotalWeight,
            d.UtxoIncrease, d.UtxoSizeInc, d.UtxoIncreaseActual, d.UtxoSizeIncActual);
    }

    public static IReadOnlyList<ZmqNotification> ZmqNotifications(ReadOnlyMemory<byte> json) =>
        [.. Object(json, RpcJsonContext.Default.ListZmqNotificationDto).Select(d => new ZmqNotification(d.Type, d.Address, d.Hwm))];

    private static string Truncate(string? s) => s is null ? "null" : s.Length <= 80 ? s : s[..80] + "...";
}
