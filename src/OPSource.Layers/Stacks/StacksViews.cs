using System.Globalization;
using System.Text.Json.Nodes;
using OPSource.Bitcoin.Encoding;
using OPSource.Layers.Stacks.Clarity;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Stacks;

/// <summary>The JSON shapes the CLI (<c>--json</c>) and REST share (snake_case; amounts in micro-STX as strings, u64 safe).</summary>
public static class StacksViews
{
    /// <summary>A decoded transaction.</summary>
    public static JsonObject Transaction(StacksTransaction tx)
    {
        var network = tx.Version == 0x00 ? StacksNetwork.Mainnet : StacksNetwork.Testnet;
        var json = new JsonObject
        {
            ["txid"] = tx.TxId,
            ["version"] = tx.Version,
            ["network"] = network.Name,
            ["chain_id"] = tx.ChainId,
            ["auth_type"] = tx.Auth.Type == AuthType.Standard ? "standard" : "sponsored",
            ["origin"] = Condition(tx.Auth.Origin, network),
            ["anchor_mode"] = tx.AnchorMode switch { AnchorMode.OnChainOnly => "on_chain_only", AnchorMode.OffChainOnly => "off_chain_only", _ => "any" },
            ["post_condition_mode"] = tx.PostConditionMode.ToString().ToLowerInvariant(),
            ["post_conditions"] = new JsonArray([.. tx.PostConditions.Select(p => (JsonNode)PostConditionText.Print(p))]),
            ["payload"] = Payload(tx.Payload),
            ["size"] = tx.Serialize().Length,
        };
        if (tx.Auth.Sponsor is { } sponsor)
        {
            json["sponsor"] = Condition(sponsor, network);
        }

        return json;
    }

    private static JsonObject Condition(SpendingCondition c, StacksNetwork network)
    {
        var json = new JsonObject
        {
            ["hash_mode"] = c.HashMode.ToString().ToLowerInvariant(),
            ["signer"] = c.Address(network).ToString(),
            ["nonce"] = c.Nonce.ToString(CultureInfo.InvariantCulture),
            ["fee_ustx"] = c.Fee.ToString(CultureInfo.InvariantCulture),
        };
        switch (c)
        {
            case SingleSigCondition s:
                json["key_encoding"] = s.KeyEncoding.ToString().ToLowerInvariant();
                json["signature"] = Hex.Encode(s.Signature.AsSpan());
                break;
            case MultiSigCondition m:
                json["signatures_required"] = m.SignaturesRequired;
                json["fields"] = new JsonArray([.. m.Fields.Select(f => (JsonNode)new JsonObject
                {
                    ["type"] = f.IsSignature ? "signature" : "public_key",
                    ["key_encoding"] = f.Encoding.ToString().ToLowerInvariant(),
                    ["data"] = Hex.Encode(f.Data.AsSpan()),
                })]);
                break;
        }

        return json;
    }

    private static JsonObject Payload(Payload payload) => payload switch
    {
        TokenTransferPayload t => new JsonObject
        {
            ["type"] = "token_transfer",
            ["recipient"] = ClarityText.Print(t.Recipient).TrimStart('\''),
            ["amount_ustx"] = t.Amount.ToString(CultureInfo.InvariantCulture),
            ["memo"] = t.MemoText,
            ["memo_hex"] = Hex.Encode(t.Memo.AsSpan()),
        },
        ContractCallPayload c => new JsonObject
        {
            ["type"] = "contract_call",
            ["contract"] = $"{c.Address}.{c.ContractName}",
            ["function"] = c.FunctionName,
            ["args"] = new JsonArray([.. c.Arguments.Select(a => (JsonNode)ClarityText.Print(a))]),
            ["args_hex"] = new JsonArray([.. c.Arguments.Select(a => (JsonNode)ClarityCodec.ToHex(a))]),
        },
        SmartContractPayload s => new JsonObject
        {
            ["type"] = s.ClarityVersion is null ? "smart_contract" : "versioned_smart_contract",
            ["contract_name"] = s.ContractName,
            ["clarity_version"] = s.ClarityVersion is { } v ? v : null,
            ["code_body"] = s.CodeBody,
        },
        CoinbasePayload cb => new JsonObject
        {
            ["type"] = cb.PayloadType switch { 0x04 => "coinbase", 0x05 => "coinbase_to_alt_recipient", _ => "nakamoto_coinbase" },
            ["data"] = Hex.Encode(cb.Data.AsSpan()),
            ["recipient"] = cb.Recipient is null ? null : ClarityText.Print(cb.Recipient),
        },
        TenureChangePayload t => new JsonObject
        {
            ["type"] = "tenure_change",
            ["tenure_consensus_hash"] = Hex.Encode(t.TenureConsensusHash.AsSpan()),
            ["previous_tenure_end"] = Hex.Encode(t.PreviousTenureEnd.AsSpan()),
            ["previous_tenure_blocks"] = t.PreviousTenureBlocks,
            ["cause"] = t.Cause == 0 ? "block_found" : "extended",
        },
        _ => new JsonObject { ["type"] = "unknown" },
    };

    /// <summary>A Clarity value: readable form and wire hex.</summary>
    public static JsonObject Value(ClarityValue value) => new()
    {
        ["repr"] = ClarityText.Print(value),
        ["hex"] = ClarityCodec.ToHex(value),
    };
}
