using System.Text.Json;
using OPSource.Layers.Stacks.Transactions;

namespace OPSource.Layers.Stacks.Node;

/// <summary>
/// The tokens a contract declares (from a node's <c>/v2/contracts/interface</c>): checks that a
/// post-condition names an asset that exists, since a node accepts a transaction whose post-condition
/// names an unknown asset and then aborts it on chain.
/// </summary>
public sealed class ContractAssets(IEnumerable<string> fungible, IEnumerable<string> nonFungible)
{
    /// <summary>Declared fungible tokens.</summary>
    public IReadOnlySet<string> Fungible { get; } = fungible.ToHashSet(StringComparer.Ordinal);

    /// <summary>Declared non-fungible tokens.</summary>
    public IReadOnlySet<string> NonFungible { get; } = nonFungible.ToHashSet(StringComparer.Ordinal);

    /// <summary>Reads the <c>fungible_tokens</c> and <c>non_fungible_tokens</c> of a contract interface document.</summary>
    public static ContractAssets FromInterface(JsonElement root)
    {
        static IEnumerable<string> Names(JsonElement root, string property) =>
            root.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(t => t.GetProperty("name").GetString() ?? "")
                : [];
        return new ContractAssets(Names(root, "fungible_tokens"), Names(root, "non_fungible_tokens"));
    }

    /// <summary>Throws <see cref="StacksException"/> (<c>stacks_unknown_asset</c>) when the post-condition's asset is not declared.</summary>
    public void Check(PostCondition postCondition)
    {
        (AssetInfo? asset, bool fungible) = postCondition switch
        {
            FungiblePostCondition f => (f.Asset, true),
            NonFungiblePostCondition n => (n.Asset, false),
            _ => ((AssetInfo?)null, false),
        };
        if (asset is null)
        {
            return;
        }

        var declared = fungible ? Fungible : NonFungible;
        if (!declared.Contains(asset.AssetName))
        {
            string kind = fungible ? "fungible token" : "non-fungible token";
            string list = declared.Count == 0 ? "none" : string.Join(", ", declared.Order(StringComparer.Ordinal));
            throw new StacksException("stacks_unknown_asset",
                $"post-condition: {asset.Address}.{asset.ContractName} declares no {kind} '{asset.AssetName}' (it declares: {list})");
        }
    }
}
