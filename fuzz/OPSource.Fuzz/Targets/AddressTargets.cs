using System.Text.Json.Nodes;
using OPSource.Bitcoin;
using OPSource.Bitcoin.Addresses;

namespace OPSource.Fuzz.Targets;

/// <summary>Addresses: Base58Check and Bech32/Bech32m strings, and scriptPubKeys to addresses.</summary>
internal static class AddressTargets
{
    public static FuzzTarget Address { get; } = new(
        "address",
        "selector byte: 0 address text (Address.TryParse, any network and each network), 1 scriptPubKey bytes (TryFromScriptPubKey); string -> address -> string is the identity (bech32 up to case), scriptPubKey -> address -> scriptPubKey too",
        Run,
        SeedInputs);

    private static void Run(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte() % 2;
        var rest = reader.Rest();
        if (selector == 0)
        {
            var text = FuzzText.Decode(rest);
            if (Bitcoin.Addresses.Address.TryParse(text, out var address, out var error))
            {
                FuzzOracleException.Check(string.Equals(address.ToString(), text, address.Type is AddressType.P2pkh or AddressType.P2sh ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase),
                    $"address ToString '{address}' is not the parsed text '{text}'");
                CheckRoundTrip(address.ToString(), address.Network, address.ScriptPubKeyBytes.ToArray());
            }
            else
            {
                FuzzOracleException.Check(!string.IsNullOrEmpty(error?.Message), "TryParse failed without an error message");
            }

            foreach (var network in Network.All)
            {
                if (Bitcoin.Addresses.Address.TryParse(text, network, out var onNetwork, out var networkError))
                {
                    FuzzOracleException.Check(address is not null && onNetwork.ScriptPubKeyBytes.SequenceEqual(address.ScriptPubKeyBytes), "network-specific parse disagrees with the generic one");
                }
                else
                {
                    FuzzOracleException.Check(!string.IsNullOrEmpty(networkError?.Message), "TryParse(network) failed without an error message");
                }
            }
        }
        else
        {
            foreach (var network in Network.All)
            {
                if (Bitcoin.Addresses.Address.TryFromScriptPubKey(rest, network, out var address))
                {
                    CheckRoundTrip(address.ToString(), network, rest.ToArray());
                }
            }
        }
    }

    /// <summary>The string parses back on its network to the same scriptPubKey and prints the same.</summary>
    internal static void CheckRoundTrip(string text, Network network, byte[] scriptPubKey)
    {
        if (!Bitcoin.Addresses.Address.TryParse(text, network, out var again, out var error))
        {
            throw new FuzzOracleException($"address '{text}' does not parse back on {network.Name}: {error}");
        }

        FuzzOracleException.Equal(scriptPubKey, again.ScriptPubKeyBytes, "address scriptPubKey round trip");
        FuzzOracleException.Equal(text, again.ToString(), "address string round trip");
        FuzzOracleException.Check(again.IsValidOn(network), "IsValidOn(own network) is false");
    }

    private static IEnumerable<byte[]> SeedInputs(string vectors)
    {
        // Core key_io_valid.json: [string, payload_hex, {chain, isPrivkey, ...}].
        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "src-test-data", "key_io_valid.json").AsArray())
        {
            if ((bool?)row![2]!["isPrivkey"] == true)
            {
                continue;
            }

            yield return [0, .. FuzzText.Encode((string?)row[0] ?? string.Empty)];
            yield return [1, .. Seeds.Hex((string?)row[1])];
        }

        foreach (var row in Seeds.Json(vectors, "bitcoin-core", "src-test-data", "key_io_invalid.json").AsArray().Take(40))
        {
            yield return [0, .. FuzzText.Encode((string?)row![0] ?? string.Empty)];
        }

        foreach (var text in Seeds.Strings(Seeds.Json(vectors, "bips", "bech32_bech32m_test_vectors.json")).Where(s => s.Length is > 8 and < 100).Take(80))
        {
            yield return [0, .. FuzzText.Encode(text)];
        }
    }
}
