using System.CommandLine;
using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Encoding;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;

namespace OPSource.Cli.Commands;

/// <summary><c>opsource tx decode HEX</c>: a raw transaction as Bitcoin Core's decoderawtransaction shows it.</summary>
internal static class TxCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var command = new Command("tx", "Inspect raw Bitcoin transactions");
        command.Add(CreateDecode(globals, output, error));
        return command;
    }

    private static Command CreateDecode(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var hexArgument = new Argument<string>("hex") { Description = "The serialized transaction in hex ('-' reads it from stdin)" };
        var command = new Command("decode", "Decode a raw transaction: ids, sizes, inputs, outputs, scripts and addresses on --network")
        {
            hexArgument,
        };
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var text = parse.GetValue(hexArgument) ?? string.Empty;
            if (text == "-")
            {
                text = Console.In.ReadToEnd();
            }

            var tx = Decode(text.Trim());
            var network = Network.Get(ctx.Network);
            var json = ToJson(tx, network);
            ctx.WriteResult(json, w => WriteHuman(w, tx, network));
            return CliApp.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>Core DecodeHexTx: extended and legacy readings, chosen by Core's script sanity rule.</summary>
    internal static Transaction Decode(string hex)
    {
        if (!Hex.TryParse(hex, out var bytes, out var hexError))
        {
            throw new CliUserException("tx: " + hexError);
        }

        return Transaction.TryDecode(bytes, out var tx, out var error) ? tx : throw error.ToException();
    }

    internal static JsonObject ToJson(Transaction tx, Network network)
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
                item["txinwitness"] = new JsonArray(input.Witness.Items.Select(i => (JsonNode)Hex.Encode(i.Span)).ToArray());
            }

            item["sequence"] = input.Sequence.Value;
            vin.Add((JsonNode)item);
        }

        var vout = new JsonArray();
        for (var n = 0; n < tx.Outputs.Count; n++)
        {
            var output = tx.Outputs[n];
            var solved = StandardScripts.Solve(output.ScriptPubKey);
            var spk = new JsonObject
            {
                ["asm"] = output.ScriptPubKey.ToString(),
                ["hex"] = output.ScriptPubKey.ToHex(),
                ["type"] = TemplateName(solved.Template),
            };
            if (solved.WitnessVersion >= 0 && solved.Solutions.Count == 1)
            {
                spk["witnessVersion"] = solved.WitnessVersion;
                spk["witnessProgram"] = Hex.Encode(solved.Solutions[0].Span);
            }

            if (Address.TryFromScriptPubKey(output.ScriptPubKey, network, out var address))
            {
                spk["address"] = address.ToString();
            }

            vout.Add((JsonNode)new JsonObject
            {
                ["value"] = SignedAmount.FromSatoshis(output.RawValue).ToBtc(),
                ["n"] = n,
                ["scriptPubKey"] = spk,
            });
        }

        return new JsonObject
        {
            ["txid"] = tx.GetTxId().ToString(),
            ["hash"] = tx.GetWtxid().ToString(),
            ["version"] = tx.Version,
            ["size"] = tx.Size,
            ["vsize"] = tx.VirtualSize,
            ["weight"] = tx.Weight,
            ["locktime"] = tx.LockTime.Value,
            ["vin"] = vin,
            ["vout"] = vout,
        };
    }

    private static void WriteHuman(TextWriter w, Transaction tx, Network network)
    {
        w.WriteLine($"txid:      {tx.GetTxId()}");
        w.WriteLine($"wtxid:     {tx.GetWtxid()}");
        w.WriteLine($"version:   {tx.Version}");
        w.WriteLine($"size:      {tx.Size} bytes, vsize {tx.VirtualSize} vB, weight {tx.Weight} WU");
        w.WriteLine($"locktime:  {tx.LockTime.Value} ({(tx.LockTime.IsHeight ? "height" : "time")})");
        w.WriteLine($"inputs:    {tx.Inputs.Count}");
        for (var i = 0; i < tx.Inputs.Count; i++)
        {
            var input = tx.Inputs[i];
            w.WriteLine(tx.IsCoinBase
                ? $"  [{i}] coinbase {input.ScriptSig.ToHex()}"
                : $"  [{i}] {input.PrevOut}  sequence {input.Sequence.Value:x8}");
            if (!tx.IsCoinBase && !input.ScriptSig.IsEmpty)
            {
                w.WriteLine($"      scriptSig: {ScriptAsm.ToAsm(input.ScriptSig, attemptSighashDecode: true)}");
            }

            if (!input.Witness.IsEmpty)
            {
                w.WriteLine($"      witness:   {input.Witness}");
            }
        }

        w.WriteLine($"outputs:   {tx.Outputs.Count}");
        for (var n = 0; n < tx.Outputs.Count; n++)
        {
            var output = tx.Outputs[n];
            var type = TemplateName(StandardScripts.Detect(output.ScriptPubKey));
            var address = Address.TryFromScriptPubKey(output.ScriptPubKey, network, out var a) ? " " + a : string.Empty;
            w.WriteLine($"  [{n}] {output.Value} {type}{address}");
            w.WriteLine($"      scriptPubKey: {output.ScriptPubKey}");
        }
    }

    /// <summary>Core's TxoutType names (GetTxnOutputType).</summary>
    internal static string TemplateName(ScriptTemplate template) => template switch
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
}
