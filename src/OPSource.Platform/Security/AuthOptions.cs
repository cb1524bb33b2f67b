using System.Globalization;
using Microsoft.Extensions.Configuration;
using OPSource.Platform.Modules;

namespace OPSource.Platform.Security;

/// <summary>
/// Settings of the <c>Auth</c> section: access-token lifetime, issuer/audience and where the token
/// signing key lives. Several server instances that share one database must share the key file
/// (point <c>Auth:SigningKeyFile</c> at the same mounted secret).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Auth";

    /// <summary>Minutes an access token stays valid (1-1440, default 15).</summary>
    public int TokenLifetimeMinutes { get; init; } = 15;

    /// <summary>The <c>iss</c> claim written and required.</summary>
    public string Issuer { get; init; } = "opsource";

    /// <summary>The <c>aud</c> claim written and required.</summary>
    public string Audience { get; init; } = "opsource-api";

    /// <summary>
    /// File holding the HMAC-SHA256 signing key (created on first use with mode 600; relative paths are
    /// under the data directory).
    /// </summary>
    public string SigningKeyFile { get; init; } = Path.Combine("secrets", "jwt-signing.key");

    /// <summary>The token lifetime.</summary>
    public TimeSpan TokenLifetime => TimeSpan.FromMinutes(TokenLifetimeMinutes);

    /// <summary>The signing key file as an absolute path.</summary>
    public string ResolveSigningKeyFile(string dataDir) =>
        Path.IsPathFullyQualified(SigningKeyFile) ? SigningKeyFile : Path.GetFullPath(Path.Combine(dataDir, SigningKeyFile));

    /// <summary>Reads and validates the section; every problem names its setting.</summary>
    /// <exception cref="ModuleConfigurationException">A setting is invalid.</exception>
    public static AuthOptions FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var problems = new List<string>();
        var defaults = new AuthOptions();
        var lifetime = defaults.TokenLifetimeMinutes;
        if (section["TokenLifetimeMinutes"] is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out lifetime) || lifetime is < 1 or > 1440))
        {
            problems.Add($"Auth:TokenLifetimeMinutes '{text}' must be a whole number of minutes between 1 and 1440");
        }

        var issuer = section["Issuer"] ?? defaults.Issuer;
        if (string.IsNullOrWhiteSpace(issuer))
        {
            problems.Add("Auth:Issuer must not be empty");
        }

        var audience = section["Audience"] ?? defaults.Audience;
        if (string.IsNullOrWhiteSpace(audience))
        {
            problems.Add("Auth:Audience must not be empty");
        }

        var keyFile = section["SigningKeyFile"] ?? defaults.SigningKeyFile;
        if (string.IsNullOrWhiteSpace(keyFile))
        {
            problems.Add("Auth:SigningKeyFile must not be empty");
        }

        if (problems.Count > 0)
        {
            throw new ModuleConfigurationException(problems);
        }

        return new AuthOptions { TokenLifetimeMinutes = lifetime, Issuer = issuer, Audience = audience, SigningKeyFile = keyFile };
    }
}
