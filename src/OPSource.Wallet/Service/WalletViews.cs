using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Transactions;
using OPSource.Chain.Model;
using OPSource.Platform.Fees;
using OPSource.Platform.Funding;

namespace OPSource.Wallet.Service;

/// <summary>
/// The JSON shapes of wallet results, shared by the CLI (<c>--json</c>) and the REST API so both surfaces say the same
/// thing: snake_case keys, amounts as integer satoshis in <c>*_sat</c>, fee rates in sat/vB in <c>*_sat_vb</c>, times
/// as RFC 3339 UTC strings. Never a secret.
/// </summary>
public static class WalletViews
{
    /// <summary>
    /// Writes a new wallet's summary plus its <c>mnemonic</c> straight from the caller's char buffer, so no string of
    /// the phrase is ever made; the CLI's <c>--json</c> and the REST create response both use it.
    /// </summary>
    public static void WriteInfoWithMnemonic(Utf8JsonWriter writer, WalletInfo info, ReadOnlySpan<char> mnemonic)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        foreach (var (key, value) in Info(info))
        {
            writer.WritePropertyName(key);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }

        writer.WriteString("mnemonic", mnemonic);
        writer.WriteEndObject();
    }

    /// <summary>A wallet summary.</summary>
    public static JsonObject Info(WalletInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new JsonObject
        {
            ["name"] = info.Name,
            ["network"] = info.Network,
            ["watch_only"] = info.WatchOnly,
            ["secret_kind"] = info.SecretKind,
            ["external_descriptor"] = info.ExternalDescriptor,
            ["internal_descriptor"] = info.InternalDescriptor,
            ["birthday_height"] = info.BirthdayHeight,
            ["created_at"] = Time(info.CreatedAt),
            ["tip_height"] = info.Tip.Height,
            ["tip_hash"] = info.Tip.Hash.ToString(),
            ["balance"] = Balance(info.Balance),
            ["tx_count"] = info.TransactionCount,
            ["utxo_count"] = info.UtxoCount,
            ["unlocked_until"] = info.UnlockedUntil is { } until ? Time(until) : null,
        };
    }

    /// <summary>Balances (Core getbalances categories).</summary>
    public static JsonObject Balance(WalletBalance balance)
    {
        ArgumentNullException.ThrowIfNull(balance);
        return new JsonObject
        {
            ["confirmed_sat"] = balance.Confirmed.Satoshis,
            ["trusted_pending_sat"] = balance.TrustedPending.Satoshis,
            ["untrusted_pending_sat"] = balance.UntrustedPending.Satoshis,
            ["immature_sat"] = balance.Immature.Satoshis,
            ["spendable_sat"] = balance.Trusted.Satoshis,
            ["total_sat"] = balance.Total.Satoshis,
        };
    }

    /// <summary>An address.</summary>
    public static JsonObject Address(WalletAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new JsonObject
        {
            ["address"] = address.Address?.ToString(),
            ["keychain"] = Keychain(address.Keychain),
            ["index"] = address.Index,
            ["script_pub_key"] = address.ScriptPubKey.ToHex(),
            ["used"] = address.Used,
        };
    }

    /// <summary>An unspent output.</summary>
    public static JsonObject Utxo(WalletUtxo utxo, Network network)
    {
        ArgumentNullException.ThrowIfNull(utxo);
        return new JsonObject
        {
            ["txid"] = utxo.OutPoint.TxId.ToString(),
            ["vout"] = utxo.OutPoint.Index,
            ["address"] = Bitcoin.Addresses.Address.TryFromScriptPubKey(utxo.Output.ScriptPubKey.ToBytes(), network, out var a) ? a.ToString() : null,
            ["amount_sat"] = utxo.Value.Satoshis,
            ["confirmations"] = utxo.Confirmations,
            ["height"] = utxo.Position.Anchor?.Height,
            ["keychain"] = Keychain(utxo.Keychain),
            ["index"] = utxo.Index,
            ["coinbase"] = utxo.IsCoinBase,
            ["mature"] = utxo.IsMature,
            ["trusted"] = utxo.IsTrusted,
            ["locked"] = utxo.IsLocked,
            ["reused"] = utxo.IsReused,
        };
    }

    /// <summary>A wallet transaction.</summary>
    public static JsonObject Transaction(WalletTransaction tx, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return new JsonObject
        {
            ["txid"] = tx.TxId.ToString(),
            ["confirmations"] = tx.Confirmations,
            ["height"] = tx.Position.Anchor?.Height,
            ["block_hash"] = tx.Position.Anchor?.Block.Hash.ToString(),
            ["block_time"] = tx.Position.Anchor is { } a ? Time(DateTimeOffset.FromUnixTimeSeconds(a.ConfirmationTime)) : null,
            ["last_seen"] = tx.Position.LastSeen is { } seen ? Time(DateTimeOffset.FromUnixTimeSeconds(seen)) : null,
            ["received_sat"] = tx.Received.Satoshis,
            ["sent_sat"] = tx.Sent.Satoshis,
            ["net_sat"] = tx.Net.Satoshis,
            ["fee_sat"] = tx.Fee?.Satoshis,
            ["vsize"] = tx.Transaction.VirtualSize,
            ["rbf"] = tx.SignalsRbf,
            ["label"] = label,
        };
    }

    /// <summary>A broadcast spend.</summary>
    public static JsonObject Spend(SpendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["txid"] = result.TxId.ToString(),
            ["fee_sat"] = result.Fee.Satoshis,
            ["vsize"] = result.VSize,
            ["fee_rate_sat_vb"] = FeeRateValue(result.FeeRate),
            ["fee_rate_source"] = result.FeeSource is { } source ? SourceName(source.Source) : null,
            ["fee_rate_detail"] = result.FeeSource?.Detail,
            ["change_index"] = result.ChangeIndex,
            ["inputs"] = new JsonArray([.. result.Inputs.Select(i => (JsonNode)i.ToString())]),
            ["replaced"] = new JsonArray([.. result.Replaced.Select(t => (JsonNode)t.ToString())]),
            ["hex"] = Convert.ToHexStringLower(result.Transaction.ToBytes()),
        };
    }

    /// <summary>The JSON name of a fee rate source: explicit, model, node or fallback.</summary>
    public static string SourceName(FeeRateSource source) => source switch
    {
        FeeRateSource.Explicit => "explicit",
        FeeRateSource.Model => "model",
        FeeRateSource.Node => "node",
        FeeRateSource.Fallback => "fallback",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };

    /// <summary>A funded PSBT.</summary>
    public static JsonObject Psbt(PsbtResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["psbt"] = result.Psbt.ToBase64(),
            ["fee_sat"] = result.Fee.Satoshis,
            ["vsize"] = result.EstimatedVSize,
            ["fee_rate_sat_vb"] = FeeRateValue(FeeRate.FromFee(result.Fee, result.EstimatedVSize)),
            ["change_index"] = result.ChangeIndex,
            ["locked"] = new JsonArray([.. result.LockedInputs.Select(i => (JsonNode)i.ToString())]),
        };
    }

    /// <summary>A signing pass.</summary>
    public static JsonObject Signed(PsbtSignResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["psbt"] = result.Psbt.ToBase64(),
            ["signed_inputs"] = new JsonArray([.. result.SignedInputs.Select(i => (JsonNode)i)]),
            ["complete"] = result.Complete,
        };
    }

    /// <summary>A finalized (and maybe broadcast) transaction.</summary>
    public static JsonObject Finalized(Transaction tx, SpendResult? broadcast)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return new JsonObject
        {
            ["txid"] = tx.GetTxId().ToString(),
            ["hex"] = Convert.ToHexStringLower(tx.ToBytes()),
            ["vsize"] = tx.VirtualSize,
            ["broadcast"] = broadcast is not null,
        };
    }

    /// <summary>Sync or rescan progress.</summary>
    public static JsonObject Sync(string name, SyncProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return new JsonObject
        {
            ["name"] = name,
            ["tip_height"] = progress.Tip.Height,
            ["tip_hash"] = progress.Tip.Hash.ToString(),
            ["blocks_connected"] = progress.BlocksConnected,
            ["blocks_disconnected"] = progress.BlocksDisconnected,
            ["transactions_found"] = progress.TransactionsFound,
        };
    }

    /// <summary>Public descriptors, as Core's <c>listdescriptors</c> names them.</summary>
    public static JsonObject Descriptors(string name, IReadOnlyList<ExportedDescriptor> descriptors, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        var list = new JsonArray();
        foreach (var d in descriptors)
        {
            var item = new JsonObject
            {
                ["desc"] = d.Descriptor,
                ["timestamp"] = createdAt.ToUnixTimeSeconds(),
                ["active"] = true,
                ["internal"] = d.Internal,
            };
            if (d.RangeEnd is { } end)
            {
                item["range"] = new JsonArray(0, end);
                item["next"] = d.NextIndex;
                item["next_index"] = d.NextIndex;
            }

            item["birthday_height"] = d.BirthdayHeight;
            list.Add((JsonNode)item);
        }

        return new JsonObject { ["wallet_name"] = name, ["descriptors"] = list };
    }

    /// <summary>"receive" or "change".</summary>
    public static string Keychain(WalletKeychain keychain) => keychain == WalletKeychain.Internal ? "change" : "receive";

    /// <summary>A fee rate in sat/vB as a JSON number with up to 3 decimals.</summary>
    public static JsonNode FeeRateValue(FeeRate rate) => JsonValue.Create(rate.SatoshisPerVByte);

    /// <summary>RFC 3339 UTC.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
