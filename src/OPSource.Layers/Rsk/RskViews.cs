using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using OPSource.Layers.Rsk.Peg;
using OPSource.Layers.Rsk.Rpc;

namespace OPSource.Layers.Rsk;

/// <summary>
/// The JSON the CLI (<c>--json</c>) and REST share for RSK results: snake_case keys, wei as decimal strings in keys
/// ending <c>_wei</c> (they exceed JSON's safe integers), satoshis as integers in <c>_sat</c>, addresses with the
/// chain's EIP-1191 checksum.
/// </summary>
public static class RskViews
{
    /// <summary>Wei as a decimal string.</summary>
    public static string Wei(BigInteger wei) => wei.ToString(CultureInfo.InvariantCulture);

    /// <summary>Wei as RBTC with 18 decimals, trailing zeros trimmed (<c>1.5</c>).</summary>
    public static string Rbtc(BigInteger wei)
    {
        var negative = wei.Sign < 0;
        var abs = BigInteger.Abs(wei);
        var whole = BigInteger.DivRem(abs, RbtcAmount.WeiPerRbtc, out var fraction);
        var text = whole.ToString(CultureInfo.InvariantCulture);
        if (!fraction.IsZero)
        {
            text += "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(18, '0').TrimEnd('0');
        }

        return negative ? "-" + text : text;
    }

    /// <summary>Node status.</summary>
    public static JsonObject Status(RskNodeStatus status, RskOptions options)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(options);
        return new JsonObject
        {
            ["node_url"] = options.NodeUrl.GetLeftPart(UriPartial.Path),
            ["chain_id"] = status.ChainId,
            ["network"] = RskChain.FromChainId(status.ChainId)?.Name ?? "other",
            ["block_number"] = status.BlockNumber,
            ["gas_price_wei"] = Wei(status.GasPrice),
        };
    }

    /// <summary>An address with its checksummed forms.</summary>
    public static JsonObject Address(RskAddress address, long chainId, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        var json = new JsonObject
        {
            ["address"] = address.ToChecksumString(chainId),
            ["chain_id"] = chainId,
            ["eip55"] = address.ToChecksumString(null),
            ["lower"] = address.ToString(),
        };
        if (path is not null)
        {
            json["path"] = path;
        }

        return json;
    }

    /// <summary>A balance.</summary>
    public static JsonObject Balance(RskAddress address, long chainId, BigInteger wei) => new()
    {
        ["address"] = address.ToChecksumString(chainId),
        ["balance_wei"] = Wei(wei),
        ["balance_rbtc"] = Rbtc(wei),
    };

    /// <summary>A sent transaction (and its receipt when waited for).</summary>
    public static JsonObject Sent(RskSent sent, long chainId)
    {
        ArgumentNullException.ThrowIfNull(sent);
        var json = new JsonObject
        {
            ["hash"] = sent.Hash,
            ["from"] = sent.From.ToChecksumString(chainId),
            ["to"] = sent.Transaction.To?.ToChecksumString(chainId),
            ["nonce"] = sent.Transaction.Nonce,
            ["value_wei"] = Wei(sent.Transaction.Value),
            ["gas_limit"] = sent.Transaction.GasLimit,
            ["gas_price_wei"] = Wei(sent.Transaction.GasPrice),
            ["chain_id"] = sent.Transaction.ChainId,
            ["raw"] = "0x" + Convert.ToHexStringLower(sent.Transaction.Encode()),
        };
        if (sent.ContractAddress is not null)
        {
            json["contract_address"] = sent.ContractAddress.ToChecksumString(chainId);
        }

        if (sent.Receipt is not null)
        {
            json["receipt"] = Receipt(sent.Receipt, chainId);
        }

        return json;
    }

    /// <summary>A receipt.</summary>
    public static JsonObject Receipt(RskReceipt receipt, long chainId)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var logs = new JsonArray();
        foreach (var log in receipt.Logs)
        {
            logs.Add((JsonNode)new JsonObject
            {
                ["address"] = log.Address.ToChecksumString(chainId),
                ["topics"] = new JsonArray([.. log.Topics.Select(t => (JsonNode)JsonValue.Create("0x" + Convert.ToHexStringLower(t)))]),
                ["data"] = "0x" + Convert.ToHexStringLower(log.Data),
                ["log_index"] = log.LogIndex,
            });
        }

        return new JsonObject
        {
            ["transaction_hash"] = receipt.TransactionHash,
            ["block_number"] = receipt.BlockNumber,
            ["status"] = receipt.Succeeded ? "success" : "reverted",
            ["gas_used"] = receipt.GasUsed,
            ["contract_address"] = receipt.ContractAddress?.ToChecksumString(chainId),
            ["logs"] = logs,
        };
    }

    /// <summary>A decoded (raw) transaction.</summary>
    public static JsonObject Transaction(RskTransaction tx, long chainId)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var json = new JsonObject
        {
            ["nonce"] = tx.Nonce,
            ["gas_price_wei"] = Wei(tx.GasPrice),
            ["gas_limit"] = tx.GasLimit,
            ["to"] = tx.To?.ToChecksumString(chainId),
            ["value_wei"] = Wei(tx.Value),
            ["data"] = "0x" + Convert.ToHexStringLower(tx.Data.Span),
            ["chain_id"] = tx.ChainId,
        };
        if (tx.Signature is not null)
        {
            json["from"] = tx.RecoverSender().ToChecksumString(chainId);
            json["hash"] = "0x" + Convert.ToHexStringLower(tx.Hash());
            json["v"] = tx.Signature.V;
        }

        return json;
    }

    /// <summary>Bridge parameters.</summary>
    public static JsonObject Bridge(BridgeInfo info) => new()
    {
        ["bridge"] = RskAddress.Bridge.ToString(),
        ["federation_address"] = info.FederationAddress.ToString(),
        ["minimum_pegin_sat"] = info.MinimumPegin.Satoshis,
        ["locking_cap_sat"] = info.LockingCap.Satoshis,
        ["estimated_pegout_fees_sat"] = info.EstimatedPegoutFees.Satoshis,
        ["btc_best_height"] = info.BtcBestHeight,
    };

    /// <summary>A peg-in's status.</summary>
    public static JsonObject Pegin(PeginStatus status, long chainId) => new()
    {
        ["btc_txid"] = status.BtcTxId,
        ["stage"] = status.Stage switch { PeginStage.Registered => "registered", PeginStage.Rejected => "rejected", _ => "not_registered" },
        ["receiver"] = status.Receiver?.ToChecksumString(chainId),
        ["amount_sat"] = status.AmountSatoshis,
        ["reason"] = status.Reason,
        ["rsk_block"] = status.RskBlock,
    };

    /// <summary>A peg-out's status.</summary>
    public static JsonObject Pegout(PegoutStatus status) => new()
    {
        ["rsk_tx_hash"] = status.RskTxHash,
        ["stage"] = status.Stage.ToString().ToLowerInvariant(),
        ["amount_sat"] = status.AmountSatoshis,
        ["btc_txid"] = status.BtcTxId,
        ["reason"] = status.Reason,
    };

    /// <summary>A peg-in signed by the wallet and broadcast.</summary>
    public static JsonObject PeginSent(PeginSent sent, long chainId)
    {
        ArgumentNullException.ThrowIfNull(sent);
        return new JsonObject
        {
            ["btc_txid"] = sent.TxId.ToString(),
            ["federation_address"] = sent.Plan.Federation.ToString(),
            ["amount_sat"] = sent.Plan.Amount.Satoshis,
            ["fee_sat"] = sent.FeeSatoshis,
            ["rsk_destination"] = sent.Plan.Instructions.Destination.ToChecksumString(chainId),
            ["refund_address"] = sent.Plan.Instructions.RefundAddress?.ToString(),
            ["op_return"] = Convert.ToHexStringLower(sent.Plan.Instructions.ToPayload()),
            ["raw"] = sent.Transaction.ToHex(),
        };
    }

    /// <summary>A peg-in plan (unsigned PSBT).</summary>
    public static JsonObject PeginPlan(PeginPlan plan, long chainId) => new()
    {
        ["psbt"] = plan.Psbt.ToBase64(),
        ["federation_address"] = plan.Federation.ToString(),
        ["amount_sat"] = plan.Amount.Satoshis,
        ["rsk_destination"] = plan.Instructions.Destination.ToChecksumString(chainId),
        ["refund_address"] = plan.Instructions.RefundAddress?.ToString(),
        ["op_return"] = Convert.ToHexStringLower(plan.Instructions.ToPayload()),
    };
}

/// <summary>RBTC amounts typed by people: <c>0.5rbtc</c>, <c>20gwei</c>, <c>1000wei</c>, or plain RBTC decimals (at most 18).</summary>
public static class RbtcAmount
{
    /// <summary>10^18.</summary>
    public static readonly BigInteger WeiPerRbtc = BigInteger.Pow(10, 18);

    /// <summary>Parses an amount into wei; <paramref name="what"/> names the field in the error.</summary>
    public static BigInteger ParseWei(string? text, string what)
    {
        var t = (text ?? "").Trim().ToLowerInvariant();
        (string number, int decimals) = t switch
        {
            _ when t.EndsWith("rbtc", StringComparison.Ordinal) => (t[..^4], 18),
            _ when t.EndsWith("gwei", StringComparison.Ordinal) => (t[..^4], 9),
            _ when t.EndsWith("wei", StringComparison.Ordinal) => (t[..^3], 0),
            _ => (t, 18),
        };
        var parts = number.Split('.');
        if (number.Length == 0 || parts.Length > 2 || !parts.All(p => p.All(char.IsAsciiDigit)) || parts[0].Length == 0)
        {
            throw new RskException(RskErrorKind.InvalidRequest, $"{what}: '{text}' is not an amount (0.5rbtc, 20gwei, 1000wei or RBTC decimals)");
        }

        var fraction = parts.Length == 2 ? parts[1] : "";
        if (fraction.Length > decimals)
        {
            throw new RskException(RskErrorKind.InvalidRequest, $"{what}: '{text}' has more than {decimals} decimals");
        }

        return BigInteger.Parse(parts[0] + fraction.PadRight(decimals, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
