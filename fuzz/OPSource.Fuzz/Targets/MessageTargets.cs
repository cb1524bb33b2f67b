using OPSource.Bitcoin.Addresses;
using OPSource.Bitcoin.Bip322;
using OPSource.Bitcoin.Messages;

namespace OPSource.Fuzz.Targets;

/// <summary>BIP322 (and Core's legacy) message signature verification.</summary>
internal static class MessageTargets
{
    public static FuzzTarget Bip322 { get; } = new(
        "bip322",
        "input: address selector, message length, message, signature bytes (sent as prefix + base64); Bip322Message.Verify without and with an empty UTXO set, and the legacy verifier, never throw; a valid result has a format and no error, an invalid one an error",
        Run,
        SeedInputs);

    // The addresses of the BIP322 vectors (one per script type), selected by the first input byte.
    private static readonly Lazy<Address[]> Addresses = new(() =>
    [
        .. new[]
        {
            "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l",
            "bc1qqthe0hz8klx90e7stf6shclhsvqd5ly96pn53v",
            "bc1pcquvhrqv0q68t4m0hfq6tpn006qrskyc7yrqnp2uyrf2emg3wynsdjyk38",
            "bc1qw6g0rgrpuxvj4edkwtvzpmt3c5m08mhp8nuk3mrk4erufvlczp5ssdscjd",
            "13vU5PUSuArDXJdCWZvUFEbgJ2wcmtSJWn",
            "1PgwDB9w9vKjqhXMaqDiZyktC4x2eC7Wkw",
            "bc1p6vffkx7vcyezrjq7pg9qqdjv7vmtanfhk8ukwsn4syejwmarmhxqp0rw5x",
            "32Utb7Seg6EXq7UesMNJXhQ1gdohYNyzQ9",
            "bc1qhqcmw7ud03vqde3pe6hzajaylhucmlatrkcztzpnk8vpgvhg9dzq5ydark",
            "3PGZjFkYBL1m9WBWkWbCW5FEFTaS1Hj4EB",
            "3Nye4j1GUFqCEBR3do2KEFZAs9oLe8NZ6X",
            "bc1pss0zhytly75awhm6x2hhvd5lnzv3vssgrf9axfheq8ldyzn88ges79fler",
        }.Select(text => Address.TryParse(text, out var address, out _) ? address : null).Where(a => a is not null).Select(a => a!),
    ]);

    private static readonly string[] Prefixes = [string.Empty, Bip322Message.SimplePrefix, Bip322Message.FullPrefix, Bip322Message.ProofOfFundsPrefix];

    private static void Run(ReadOnlyMemory<byte> input)
    {
        var reader = new FuzzReader(input.Span);
        var selector = reader.Byte();
        var address = Addresses.Value[(selector & 0x0f) % Addresses.Value.Length];
        var prefix = Prefixes[(selector >> 4) % Prefixes.Length];
        var message = FuzzText.Decode(reader.Bytes(reader.Byte()));
        var signature = prefix + Convert.ToBase64String(reader.Rest());
        foreach (var utxos in new IReadOnlyList<Bip322Utxo>?[] { null, [] })
        {
            var result = Bip322Message.Verify(address, message, signature, utxos);
            FuzzOracleException.Check(result.IsValid ? result.Error is null && result.Format is not null : !string.IsNullOrEmpty(result.Error), "verification result is inconsistent");
        }

        if (LegacyMessageSigner.Instance.CanVerify(address))
        {
            _ = LegacyMessageSigner.Verify(address, signature, message);
        }
    }

    private static IEnumerable<byte[]> SeedInputs(string vectors)
    {
        foreach (var file in new[] { "basic-test-vectors.json", "generated-test-vectors.json" })
        {
            var json = Seeds.Json(vectors, "bips", "bip-0322", file).AsObject();
            foreach (var (_, group) in json)
            {
                if (group is not System.Text.Json.Nodes.JsonArray cases)
                {
                    continue;
                }

                foreach (var item in cases)
                {
                    var addressText = (string?)item?["address"];
                    var message = (string?)item?["message"];
                    var index = Array.FindIndex(Addresses.Value, a => a.ToString() == addressText);
                    if (index < 0 || message is null)
                    {
                        continue;
                    }

                    var signatures = item!["bip322_signatures"] is { } list ? Seeds.Strings(list) : Seeds.Strings(item["signature"]);
                    foreach (var signature in signatures)
                    {
                        var prefixIndex = Array.FindLastIndex(Prefixes, p => signature.StartsWith(p, StringComparison.Ordinal));
                        var body = signature[Prefixes[prefixIndex].Length..];
                        var buffer = new byte[body.Length];
                        if (!Convert.TryFromBase64String(body, buffer, out var written))
                        {
                            continue;
                        }

                        var messageBytes = FuzzText.Encode(message);
                        if (messageBytes.Length > 255)
                        {
                            continue;
                        }

                        yield return [(byte)(index | (prefixIndex << 4)), (byte)messageBytes.Length, .. messageBytes, .. buffer[..written]];
                    }
                }
            }
        }
    }
}
