using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OPSource.Platform.Modules;

namespace OPSource.Layers.Rgb;

/// <summary>
/// The <c>rgb</c> module (section <c>Rgb</c>): the RGB 0.11 consignment validator as a service.
/// <c>Rgb:KitDirectory</c> names a folder of schema kits (<c>*.rgb</c> / <c>*.rgba</c>) whose type systems are
/// trusted; without it every consignment type is untrusted and validation reports TypeSystemMismatch.
/// </summary>
public sealed class RgbModule : IOpsourceModule
{
    public const string ModuleName = "rgb";

    /// <inheritdoc />
    public string Name => ModuleName;

    /// <inheritdoc />
    public void Register(ModuleRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var dir = registration.Section["KitDirectory"];
        var kits = new List<string>();
        if (!string.IsNullOrWhiteSpace(dir))
        {
            if (!Directory.Exists(dir))
            {
                throw new ModuleConfigurationException([$"Rgb:KitDirectory: folder '{dir}' does not exist"]);
            }

            kits.AddRange(KitFiles(dir));
        }

        registration.Services.AddSingleton(_ => new RgbService(RgbService.LoadTrustedTypes(kits)));

        // Witnesses come from the node module's Bitcoin Core node unless the host registers another resolver.
        registration.Services.TryAddSingleton<IWitnessResolver>(sp => new NodeWitnessResolver(sp.GetRequiredService<OPSource.Chain.IBitcoinNode>()));
        // RgbDecodeException is a BitcoinFormatException: the platform maps it (400, code rgb.kind) without a registration.
    }

    /// <summary>The kit files of a folder: binary kits, and armored kits without a binary twin.</summary>
    public static IReadOnlyList<string> KitFiles(string directory)
    {
        var binary = Directory.EnumerateFiles(directory, "*.rgb").Order(StringComparer.Ordinal).ToList();
        var armored = Directory.EnumerateFiles(directory, "*.rgba")
            .Where(a => !binary.Contains(a[..^1], StringComparer.Ordinal))
            .Order(StringComparer.Ordinal);
        return [.. binary, .. armored];
    }
}
