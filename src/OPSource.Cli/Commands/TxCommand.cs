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
        var hexArgument = new Argument<string>("hex") { Description = "The serialized transaction in hex" + CliInput.Hint };
        var command = new Command("decode", "Decode a raw transaction like Core's decoderawtransaction: ids, sizes, inputs, outputs, scripts and addresses on --network")
        {
            hexArgument,
        }.WithExamples(
            "opsource tx decode 0200000001...",
            "opsource tx decode - < tx.hex",
            "opsource tx decode @tx.hex --json --network testnet | jq .vout");
        command.SetAction((parse, ct) => CliApp.Guard(globals.Bind(parse, output, error), ctx =>
        {
            var tx = Decode(CliInput.Text(ctx, parse.GetValue(hexArgument), "tx"));
            var network = Network.Get(ctx.Network);
            ctx.WriteResult(ToJson(tx, network), w => WriteHuman(w, tx, network));
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

    internal static JsonObject ToJson(Transaction tx, Network network) => CoreJson.Transaction(tx, network);

    private static void WriteHuman(TextWriter w, Transaction tx, Network network)
    {
        w.WriteLine($"txid:      {tx.GetTxId()}");
        w.WriteLine($"wtxid:     {tx.GetWtxid()}");
        w.WriteLine($"version:   {unchecked((uint)tx.Version)}");
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
            var type = CoreJson.TemplateName(StandardScripts.Detect(output.ScriptPubKey));
            var address = Address.TryFromScriptPubKey(output.ScriptPubKey, network, out var a) ? " " + a : string.Empty;
            w.WriteLine($"  [{n}] {CoreJson.BtcText(output)} BTC {type}{address}");
            w.WriteLine($"      scriptPubKey: {output.ScriptPubKey}");
        }
    }
}
