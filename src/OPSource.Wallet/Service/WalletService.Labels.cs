using System.Globalization;
using System.Text;
using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Keys;
using OPSource.Bitcoin.Scripts;
using OPSource.Bitcoin.Transactions;
using OPSource.Platform.Funding;
using OPSource.Wallet.Labels;

namespace OPSource.Wallet.Service;

public sealed partial class WalletService
{
    /// <summary>
    /// Imports BIP329 labels (JSON Lines). The whole export is validated first; nothing is stored when a line is
    /// invalid. Records without <c>label</c> or <c>spendable</c> keep the wallet's own value of that field (BIP329);
    /// <c>spendable: false</c> on an output freezes the coin. Returns the number of labels set.
    /// </summary>
    /// <exception cref="WalletOperationException">An invalid line (its number is named), an address of another network.</exception>
    public async Task<int> ImportLabelsAsync(string name, string jsonLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        var records = Bip329.Parse(jsonLines, _network);
        return await MutateAsync(name, core =>
        {
            var count = 0;
            foreach (var r in records)
            {
                var existing = core.GetLabel(r.Type, r.Ref);
                var label = new WalletLabel(r.Type, r.Ref, r.Label ?? existing?.Label, r.Spendable ?? existing?.Spendable);
                if (label.Label is null && label.Spendable is null)
                {
                    continue;
                }

                core.SetLabel(label);
                count++;
            }

            return count;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Exports every label as BIP329 JSON Lines, with the additional fields the wallet knows: for transactions the
    /// fee, the net value and, once 6 blocks deep, height and time; for outputs the value, key path and height; for
    /// addresses the key path.
    /// </summary>
    public Task<string> ExportLabelsAsync(string name, CancellationToken cancellationToken) =>
        ReadAsync(name, slot =>
        {
            var core = slot.Core!;
            var tip = core.Tip.Height;
            var text = new StringBuilder();
            foreach (var label in core.Labels.OrderBy(l => l.Type, StringComparer.Ordinal).ThenBy(l => l.Ref, StringComparer.Ordinal))
            {
                text.Append(Bip329.Write(label, ExtrasFor(core, label, tip))).Append('\n');
            }

            return text.ToString();
        }, cancellationToken);

    private Bip329Extras? ExtrasFor(DescriptorWallet core, WalletLabel label, int tip)
    {
        switch (label.Type)
        {
            case "tx" when TxId.TryParse(label.Ref, out var txid) && core.GetTransaction(txid) is { Confirmations: >= 0 } t:
            {
                var deep = t.Position.Anchor is { } a && t.Confirmations >= 6 ? a : (Chain.Model.ConfirmationAnchor?)null;
                return new Bip329Extras
                {
                    Height = deep?.Height,
                    Time = deep is { } d ? DateTimeOffset.FromUnixTimeSeconds(d.ConfirmationTime) : null,
                    Fee = t.Fee?.Satoshis,
                    Value = t.Net.Satoshis,
                };
            }

            case "output" when OutPoint.TryParse(label.Ref, out var op) && core.Graph.GetTxOut(op) is { } output:
            {
                var t = core.GetTransaction(op.TxId);
                var deep = t?.Position.Anchor is { } a && t.Confirmations >= 6 ? a : (Chain.Model.ConfirmationAnchor?)null;
                return new Bip329Extras
                {
                    Value = output.Value.Satoshis,
                    KeyPath = KeyPathOf(core, output.ScriptPubKey),
                    Height = deep?.Height,
                    Time = deep is { } d ? DateTimeOffset.FromUnixTimeSeconds(d.ConfirmationTime) : null,
                };
            }

            case "addr" when Address.TryParse(label.Ref, _network, out var address, out _):
                return KeyPathOf(core, new Script(address.ScriptPubKeyBytes)) is { } path ? new Bip329Extras { KeyPath = path } : null;
            default:
                return null;
        }
    }

    /// <summary>BIP329 keypath: the unhardened steps below the key's origin (<c>/0/5</c>), for single-key scripts of the wallet.</summary>
    private static string? KeyPathOf(DescriptorWallet core, Script script)
    {
        if (core.SpendInfo(script) is not { } info)
        {
            return null;
        }

        var origins = info.KeyOrigins.Select(k => k.Origin).Concat(info.TapKeyOrigins.Select(k => k.Origin)).ToList();
        if (origins.Count != 1)
        {
            return null;
        }

        var steps = origins[0].KeyPath.Indexes.Reverse().TakeWhile(i => !KeyPath.IsHardened(i)).Reverse().ToList();
        return steps.Count == 0 ? null : "/" + string.Join('/', steps.Select(i => i.ToString(CultureInfo.InvariantCulture)));
    }
}
