using OPSource.Layers.Rgb;
using OPSource.TestSupport;

namespace OPSource.Layers.Tests.Rgb;

/// <summary>The rgb-tests fixtures and rgb-schemas kits in ../shared/vectors/rgb, read in place.</summary>
internal static class RgbFixtures
{
    public static readonly string[] Scenarios = ["A", "B", "C", "D"];

    public static readonly string[] Kits =
    [
        "CollectibleFungibleAsset", "InflatableFungibleAsset", "NonInflatableAsset",
        "PermissionedFungibleAsset", "UniqueDigitalAsset",
    ];

    public static string FixturePath(string name) => Vectors.Path("rgb", "rgb-tests-fixtures", name);

    public static string KitPath(string file) => Vectors.Path("rgb", "rgb-schemas", file);

    public static byte[] Binary(string scenario) => File.ReadAllBytes(FixturePath($"consignment_{scenario}.rgb"));

    public static Consignment Json(string name) => RgbJson.ParseConsignment(File.ReadAllText(FixturePath($"{name}.json")));

    public static TxDirectoryResolver Resolver(string scenario) => TxDirectoryResolver.Load(FixturePath($"txs_{scenario}"));

    private static readonly Lazy<TypeSystemRegistry> SharedTrusted = new(TrustedTypes);

    /// <summary>Regtest validation against the kits' trusted types.</summary>
    public static RgbValidationConfig Config => new(ChainNet.BitcoinRegtest, SharedTrusted.Value);

    /// <summary>Validates on regtest against the kits' trusted types.</summary>
    public static Task<RgbValidationReport> Validate(Consignment c, IWitnessResolver resolver, uint? safeHeight = null) =>
        RgbValidator.ValidateAsync(c, resolver, Config with { SafeHeight = safeHeight }, TestContext.Current.CancellationToken);

    /// <summary>Validates and asserts the consignment is invalid; returns the failure.</summary>
    public static async Task<RgbFailure> Fails(Consignment c, IWitnessResolver resolver)
    {
        var report = await Validate(c, resolver);
        Assert.Equal(RgbValidity.Invalid, report.Validity);
        return report.Failure!;
    }

    /// <summary>Replaces the last bundle of a consignment.</summary>
    public static Consignment WithLastBundle(Consignment c, Func<WitnessBundle, WitnessBundle> edit) =>
        c with { Bundles = [.. c.Bundles.Take(c.Bundles.Count - 1), edit(c.Bundles[^1])] };

    /// <summary>
    /// Replaces the last transition of bundle <paramref name="bundleIndex"/>, drops the bundles after it, and
    /// commits the new bundle in a rewritten witness (rgb-tests replace_transition_in_bundle + update_anchor):
    /// new op id, input map, bundle id (terminals follow it), a one-leaf MPC tree and the OP_RETURN commitment.
    /// Returns the consignment and a resolver that also knows the new witness.
    /// </summary>
    public static (Consignment, TxDirectoryResolver) Reanchor(Consignment c, string scenario, int bundleIndex, Func<Transition, Transition> edit)
    {
        var wb = c.Bundles[bundleIndex];
        var old = wb.Bundle.KnownTransitions[^1];
        var t = edit(old.Transition);
        var opid = RgbIds.OpId(t);
        var bundle = new TransitionBundle(
            [.. wb.Bundle.InputMap.Select(e => e.OpId == old.OpId ? e with { OpId = opid } : e)],
            [.. wb.Bundle.KnownTransitions.Take(wb.Bundle.KnownTransitions.Count - 1), new KnownTransition(opid, t)]);
        var contractId = RgbIds.OpId(c.Genesis);
        var proof = new MpcProof(0, 0, []);
        var commitment = Commitments.Convolve(proof, contractId, RgbIds.BundleId(bundle), out _)!.Value;
        var tx = wb.PubWitness.Tx!;
        tx = tx with { Outputs = [.. tx.Outputs.Select(o => Commitments.IsOpReturn(o.ScriptPubkey) ? o with { ScriptPubkey = [0x6a, 0x20, .. commitment.Span] } : o)] };
        var nb = new WitnessBundle(new PubWitness(tx, null), new Anchor(proof, new OpretProof()), bundle);
        var oldId = RgbIds.BundleId(wb.Bundle);
        var kept = c.Bundles.Take(bundleIndex).Select(b => RgbIds.BundleId(b.Bundle)).ToHashSet();
        var terminals = c.Terminals
            .Where(x => x.BundleId == oldId || kept.Contains(x.BundleId))
            .Select(x => x.BundleId == oldId ? (RgbIds.BundleId(bundle), x.Seals) : x)
            .ToList();
        var result = c with { Bundles = [.. c.Bundles.Take(bundleIndex), nb], Terminals = terminals };
        return (result, Resolver(scenario).With(tx));
    }

    public static TypeSystemRegistry TrustedTypes() =>
        TypeSystemRegistry.FromKits(Kits.Select(k => RgbBinary.DecodeKitFile(File.ReadAllBytes(KitPath(k + ".rgb")))));
}
