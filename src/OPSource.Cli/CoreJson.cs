using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Descriptors;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Crypto.Secp256k1;

namespace OPSource.Cli;

/// <summary>
/// JSON in Bitcoin Core's shapes for the outputs that mirror a Core RPC (docs/cli.md): amounts in BTC
/// with exactly 8 decimals (ValueFromAmount), scripts as ScriptToUniv writes them, transactions as
/// TxToUniv, descriptors inferred as InferDescriptor does without a signing provider.
/// </summary>
internal static class CoreJson
{
    /// <summary>Core ValueFromAmount: BTC as a JSON number with exactly 8 decimals (e.g. <c>0.01000000</c>).</summary>
    public static JsonNode Btc(SignedAmount amount) => JsonValue.Create(BtcDecimal(amount.Satoshis));

    /// <summary>
    /// Core ValueFromAmount(txout.nValue): the output's nValue as serialized, so a decoded output outside
    /// 0..MAX_MONEY still prints (as decoderawtransaction/decodepsbt do) instead of failing.
    /// </summary>
    public static JsonNode Btc(TxOut output) => JsonValue.Create(BtcDecimal(output.RawValue));

    /// <summary>"1.12340000" for an output's nValue as serialized (see <see cref="Btc(TxOut)"/>).</summary>
    public static string BtcText(TxOut output) => BtcText(SignedAmount.FromSatoshis(output.RawValue));

    /// <summary>BTC with scale 8, so System.Text.Json prints all 8 decimals like Core.</summary>
    public static decimal BtcDecimal(long satoshis)
    {
        var magnitude = (ulong)Math.Abs(satoshis);
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, satoshis < 0, 8);
    }

    /// <summary>"1.12340000" (Core's 8-decimal form) for human output.</summary>
    public static string BtcText(SignedAmount amount) =>
        BtcDecimal(amount.Satoshis).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Core ScriptToUniv: asm, desc, hex (optional), address (not for bare P2PK), type.</summary>
    public static JsonObject Script(Script script, Network network, bool includeHex = true, bool includeAddress = true, bool attemptSighashDecode = false)
    {
        var json = new JsonObject { ["asm"] = ScriptAsm.ToAsm(script, attemptSighashDecode) };
        if (includeAddress)
        {
            json["desc"] = InferDescriptor(script, network);
        }

        if (includeHex)
        {
            json["hex"] = script.ToHex();
        }

        var template = StandardScripts.Detect(script);
        if (includeAddress && template != ScriptTemplate.PubKey && Address.TryFromScriptPubKey(script, network, out var address))
        {
            json["address"] = address.ToString();
        }

        json["type"] = TemplateName(template);
        return json;
    }

    /// <summary>Core's TxoutType names (GetTxnOutputType).</summary>
    public static string TemplateName(ScriptTemplate template) => template switch
    {
        ScriptTemplate.PubKey => "pubkey",
        ScriptTemplate.PubKeyHash => "pubkeyhash",
        ScriptTemplate.ScriptHash => "scripthash",
        ScriptTemplate.Multisig => "multisig",
        ScriptTemplate.NullData => "nulldata",
        ScriptTemplate.WitnessV0KeyHash => "witness_v0_keyhash",
        ScriptTemplate.WitnessV0ScriptHash => "witness_v0_scripthash",
        ScriptTemplate.WitnessV1Taproot => "witness_v1_taproot",
        ScriptTemplate.Anchor => "anchor",
        ScriptTemplate.WitnessUnknown => "witness_unknown",
        _ => "nonstandard",
    };

    /// <summary>
    /// Core InferDescriptor with no keys or scripts known (the DUMMY_SIGNING_PROVIDER), at the top level:
    /// pk() and multi() of valid keys, rawtr() of a valid x-only key, addr() for any other script with an
    /// address, raw() for the rest; with its BIP380 checksum.
    /// </summary>
    public static string InferDescriptor(Script script, Network network)
    {
        var match = StandardScripts.Solve(script);
        string body;
        switch (match.Template)
        {
            case ScriptTemplate.PubKey when PublicKey.TryParse(match.Solutions[0].Span, out _):
                body = $"pk({Hex.Encode(match.Solutions[0].Span)})";
                break;
            case ScriptTemplate.Multisig when match.Solutions.All(k => PublicKey.TryParse(k.Span, out _)):
                body = $"multi({match.RequiredSignatures},{string.Join(',', match.Solutions.Select(k => Hex.Encode(k.Span)))})";
                break;
            case ScriptTemplate.WitnessV1Taproot when XOnlyPublicKey.TryParse(match.Solutions[0].Span, out _):
                body = $"rawtr({Hex.Encode(match.Solutions[0].Span)})";
                break;
            default:
                body = match.Template != ScriptTemplate.PubKey && Address.TryFromScriptPubKey(script, network, out var address)
                    ? $"addr({address})"
                    : $"raw({script.ToHex()})";
                break;
        }

        return DescriptorChecksum.TryCompute(body, out var checksum) ? body + "#" + checksum : body;
    }

    /// <summary>Core TxToUniv as decoderawtransaction prints it (no block hash, no fee).</summary>
    public static JsonObject Transaction(Transaction tx, Network network)
    {
        var vin = new JsonArray();
        foreach (var input in tx.Inputs)
        {
            var item = new JsonObject();
            if (tx.IsCoinBase)
            {
                item["coinbase"] = input.ScriptSig.ToHex();
            }
            else
            {
                item["txid"] = input.PrevOut.TxId.ToString();
                item["vout"] = input.PrevOut.Index;
                item["scriptSig"] = new JsonObject
                {
                    ["asm"] = ScriptAsm.ToAsm(input.ScriptSig, attemptSighashDecode: true),
                    ["hex"] = input.ScriptSig.ToHex(),
                };
            }

            if (!input.Witness.IsEmpty)
            {
                item["txinwitness"] = new JsonArray([.. input.Witness.Items.Select(i => (JsonNode)Hex.Encode(i.Span))]);
            }

            item["sequence"] = input.Sequence.Value;
            vin.Add((JsonNode)item);
        }

        var vout = new JsonArray();
        for (var n = 0; n < tx.Outputs.Count; n++)
        {
            vout.Add((JsonNode)new JsonObject
            {
                ["value"] = Btc(tx.Outputs[n]),
                ["n"] = n,
                ["scriptPubKey"] = Script(tx.Outputs[n].ScriptPubKey, network),
            });
        }

        return new JsonObject
        {
            ["txid"] = tx.GetTxId().ToString(),
            ["hash"] = tx.GetWtxid().ToString(),
            // Core: CTransaction::version is a uint32_t and prints unsigned.
            ["version"] = unchecked((uint)tx.Version),
            ["size"] = tx.Size,
            ["vsize"] = tx.VirtualSize,
            ["weight"] = tx.Weight,
            ["locktime"] = tx.LockTime.Value,
            ["vin"] = vin,
            ["vout"] = vout,
        };
    }
}
