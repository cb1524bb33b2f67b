using OPSource.Bitcoin;
using OPSource.Bitcoin.Descriptors;

namespace OPSource.Fuzz.Targets;

/// <summary>Output descriptors (BIP380-390).</summary>
internal static class DescriptorTargets
{
    private static readonly Network[] Networks = [Network.Mainnet, Network.Testnet, Network.Regtest];

    public static FuzzTarget Descriptor { get; } = new(
        "descriptor",
        "selector byte picks the network; Descriptor.TryParse, then public, private and normalized strings parse back to themselves, Expand and Derive(0..1) of every path, checksum functions",
        Run,
        SeedInputs);

    private static void Run(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var network = Networks[reader.Byte() % Networks.Length];
        var text = FuzzText.Decode(reader.Rest());
        _ = DescriptorChecksum.TryCompute(text, out _);
        _ = DescriptorChecksum.TryVerify(text, out _, out _);
        if (!Bitcoin.Descriptors.Descriptor.TryParse(text, network, out var descriptor, out var error))
        {
            FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "Descriptor.TryParse failed without an error message");
            return;
        }

        using (descriptor)
        {
            CheckReparse(descriptor.ToString(), network, d => d.ToString(), "public");
            CheckReparse(descriptor.ToPrivateString(), network, d => d.ToPrivateString(), "private");
            var normalized = descriptor.ToNormalizedString();
            CheckReparse(normalized, network, d => d.ToNormalizedString(), "normalized");
            _ = descriptor.IsSolvable;
            _ = descriptor.HasHardenedDerivation;
            foreach (var path in descriptor.Expand())
            {
                FuzzOracleException.Check(!path.IsMultipath, "Expand() returned a multipath descriptor");
                if (!path.CanDeriveWithoutPrivateKeys)
                {
                    // A hardened step below an xpub parses (as in Core) and deriving is a typed error.
                    CheckNeedsPrivateKey(path, network);
                    continue;
                }

                var outputs = path.Derive(0, 1, network);
                FuzzOracleException.Check(outputs.Count > 0, "Derive returned nothing");
                foreach (var output in outputs)
                {
                    if (output.Address is { } address)
                    {
                        AddressTargets.CheckRoundTrip(address.ToString(), network, output.ScriptPubKey.ToBytes());
                    }
                }
            }
        }
    }

    private static void CheckNeedsPrivateKey(Descriptor path, Network network)
    {
        try
        {
            _ = path.Derive(0, 1, network);
        }
        catch (BitcoinFormatException e) when (e.Error is DescriptorError { Kind: DescriptorErrorKind.NeedsPrivateKey })
        {
            return;
        }

        throw new FuzzOracleException("a descriptor that cannot derive without private keys derived anyway");
    }

    private static void CheckReparse(string text, Network network, Func<Descriptor, string> print, string form)
    {
        if (!Bitcoin.Descriptors.Descriptor.TryParse(text, network, out var again, out var error))
        {
            throw new FuzzOracleException($"the {form} form '{text}' does not parse back: {error}");
        }

        using (again)
        {
            FuzzOracleException.Equal(text, print(again), $"descriptor {form} form round trip");
        }
    }

    private static IEnumerable<byte[]> SeedInputs(string vectors)
    {
        var json = Seeds.Json(vectors, "bips", "bip380-390_descriptor_test_vectors.json");
        foreach (var text in Seeds.Strings(json).Where(s => s.Contains('(', StringComparison.Ordinal)).Distinct())
        {
            yield return [0, .. FuzzText.Encode(text)];
            if (text.Contains("tpub", StringComparison.Ordinal) || text.Contains("tprv", StringComparison.Ordinal))
            {
                yield return [1, .. FuzzText.Encode(text)];
            }
        }
    }
}
