namespace OPSource.Layers.Rgb;

/// <summary>A consignment file read in any of its forms.</summary>
/// <param name="Consignment">The consignment.</param>
/// <param name="Format">"binary", "json" or "armored".</param>
public sealed record LoadedConsignment(Consignment Consignment, string Format);

/// <summary>
/// The RGB module's domain service: loads consignments (binary <c>.rgb</c>, serde JSON, armored), loads schema
/// kits, and validates against the trusted type systems of the registered kits.
/// </summary>
public sealed class RgbService
{
    private readonly TypeSystemRegistry _trusted;

    public RgbService(TypeSystemRegistry trusted) => _trusted = trusted ?? throw new ArgumentNullException(nameof(trusted));

    public TypeSystemRegistry TrustedTypes => _trusted;

    /// <summary>Detects the form: armor (-----BEGIN), JSON ('{'), else binary (with or without the RGB\0 prefix).</summary>
    public static LoadedConsignment LoadConsignment(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        int i = 0;
        while (i < span.Length && span[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            i++;
        }

        if (span[i..].StartsWith("-----BEGIN"u8))
        {
            return new LoadedConsignment(RgbArmor.ReadConsignment(System.Text.Encoding.ASCII.GetString(span)), "armored");
        }

        if (i < span.Length && span[i] == (byte)'{')
        {
            return new LoadedConsignment(RgbJson.ParseConsignment(System.Text.Encoding.UTF8.GetString(span)), "json");
        }

        return new LoadedConsignment(RgbBinary.DecodeConsignment(data), "binary");
    }

    /// <summary>The RGB chain-network of an OPSource network name (<c>regtest</c>, <c>testnet</c>, <c>testnet4</c>, <c>signet</c>, <c>mainnet</c>).</summary>
    public static ChainNet ChainNetFor(string network) => network switch
    {
        "mainnet" => ChainNet.BitcoinMainnet,
        "testnet" => ChainNet.BitcoinTestnet3,
        "testnet4" => ChainNet.BitcoinTestnet4,
        "signet" => ChainNet.BitcoinSignet,
        "regtest" => ChainNet.BitcoinRegtest,
        _ => throw new RgbDecodeException($"network '{network}' has no RGB chain-network"),
    };

    /// <summary>Loads a kit: binary (RGB\0KIT magic) or armored.</summary>
    public static Kit LoadKit(ReadOnlyMemory<byte> data) =>
        data.Span.StartsWith(RgbBinary.KitMagic)
            ? RgbBinary.DecodeKitFile(data)
            : RgbArmor.ReadKit(System.Text.Encoding.ASCII.GetString(data.Span));

    /// <summary>Validates against the trusted types; <paramref name="safeHeight"/> enables the UnsafeHistory warning.</summary>
    public Task<RgbValidationReport> ValidateAsync(Consignment consignment, IWitnessResolver resolver, ChainNet chainNet, CancellationToken cancellationToken, uint? safeHeight = null) =>
        RgbValidator.ValidateAsync(consignment, resolver, new RgbValidationConfig(chainNet, _trusted) { SafeHeight = safeHeight }, cancellationToken);

    /// <summary>The trusted type systems from kit files (binary or armored).</summary>
    public static TypeSystemRegistry LoadTrustedTypes(IEnumerable<string> kitFiles) =>
        TypeSystemRegistry.FromKits(kitFiles.Select(f => LoadKit(File.ReadAllBytes(f))));
}
