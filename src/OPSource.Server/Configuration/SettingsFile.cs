using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Platform.Errors;
using OPSource.Platform.Modules;
using OPSource.Server.Modules;

namespace OPSource.Server.Configuration;

/// <summary>
/// Edits the data directory's <c>appsettings.json</c> (the operator's layer): <c>opsource configure --set</c>,
/// <c>opsource install</c> and <c>opsource ml config --apply</c> write through it. Every change is validated
/// with the whole configuration (options and every module's section) before the file is replaced
/// atomically (temporary file, mode 600, rename); an invalid change leaves the file untouched.
/// </summary>
public static class SettingsFile
{
    /// <summary>The file's path for a data directory.</summary>
    public static string PathFor(string dataDir) => Path.Combine(dataDir, OpsourceConfiguration.SettingsFileName);

    /// <summary>
    /// All problems of a configuration: the options' validation and every module's registration
    /// (empty when the hosts would start).
    /// </summary>
    public static IReadOnlyList<string> Validate(IConfiguration configuration, IReadOnlyList<ServerModule>? modules = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        OpsourceOptions options;
        try
        {
            options = OpsourceConfiguration.Bind(configuration);
        }
        catch (InvalidOperationException ex)
        {
            return [ex.Message.ReplaceLineEndings(" ")];
        }

        var problems = OpsourceOptionsValidator.Check(options).ToList();
        if (problems.Count > 0)
        {
            return problems;
        }

        try
        {
            OpsourceServer.AddPlatformServices(new ServiceCollection(), options, configuration, modules ?? OpsourceModules.All);
        }
        catch (ModuleConfigurationException ex)
        {
            problems.AddRange(ex.Problems);
        }

        return problems;
    }

    /// <summary>
    /// Applies changes (<c>Section:Key</c> to a value; null removes the key) to the data directory's file,
    /// after validating the result. Returns the problems; nothing is written when there are any.
    /// </summary>
    /// <param name="dataDir">The data directory.</param>
    /// <param name="changes">Keys and values.</param>
    /// <param name="overrides">Command-line overrides in force (so validation sees the effective configuration).</param>
    /// <param name="modules">Modules whose sections are validated.</param>
    /// <param name="dryRun">Validate only.</param>
    public static IReadOnlyList<string> Apply(
        string dataDir,
        IReadOnlyDictionary<string, string?> changes,
        IReadOnlyDictionary<string, string?>? overrides = null,
        IReadOnlyList<ServerModule>? modules = null,
        bool dryRun = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDir);
        ArgumentNullException.ThrowIfNull(changes);
        var path = PathFor(dataDir);
        var root = Read(path);
        foreach (var (key, value) in changes)
        {
            Set(root, key, value);
        }

        var text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        // Validate the layered configuration as it will be after the write.
        var candidate = Path.Combine(Path.GetTempPath(), $"opsource-settings-{Guid.NewGuid():N}");
        Directory.CreateDirectory(candidate);
        try
        {
            File.WriteAllText(Path.Combine(candidate, OpsourceConfiguration.SettingsFileName), text);
            // The usual layers (app file, the new data file, environment, command line) with the candidate file in
            // the data file's place, so a removed key falls back to its default, not to the old file; then the real
            // data dir again for the checks that resolve paths against it.
            var layered = new ConfigurationBuilder()
                .AddConfiguration(OpsourceConfiguration.Build(new Dictionary<string, string?>(overrides ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase) { ["DataDir"] = candidate }).Root)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["DataDir"] = Path.GetFullPath(dataDir) })
                .Build();

            var problems = Validate(layered, modules);
            if (problems.Count > 0 || dryRun)
            {
                return problems;
            }
        }
        finally
        {
            Directory.Delete(candidate, recursive: true);
        }

        Write(path, text);
        return [];
    }

    /// <summary>The file as a JSON object (empty when absent).</summary>
    /// <exception cref="OPSource.Bitcoin.BitcoinFormatException">The file is not a JSON object (<see cref="SettingsErrorKind.InvalidFile"/>).</exception>
    public static JsonObject Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw SettingsError.Exception(SettingsErrorKind.InvalidFile, $"{path} is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw SettingsError.Exception(SettingsErrorKind.InvalidFile, $"{path} is not valid JSON: {ex.Message}");
        }
    }

    private static void Set(JsonObject root, string key, string? value)
    {
        var parts = key.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
        {
            throw SettingsError.Exception(SettingsErrorKind.InvalidKey, $"setting '{key}' is not Section:Key");
        }

        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var existing = node.FirstOrDefault(p => string.Equals(p.Key, parts[i], StringComparison.OrdinalIgnoreCase));
            if (existing.Value is JsonObject child)
            {
                node = child;
            }
            else
            {
                if (existing.Key is not null)
                {
                    node.Remove(existing.Key);
                }

                child = [];
                node[parts[i]] = child;
                node = child;
            }
        }

        var last = parts[^1];
        var current = node.FirstOrDefault(p => string.Equals(p.Key, last, StringComparison.OrdinalIgnoreCase)).Key;
        if (current is not null)
        {
            node.Remove(current);
        }

        if (value is not null)
        {
            node[last] = Typed(value);
        }
    }

    // Whole numbers and booleans are written as JSON numbers/booleans; everything else as strings.
    private static JsonNode Typed(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n.ToString(CultureInfo.InvariantCulture) == value ? JsonValue.Create(n)
        : value is "true" or "false" ? JsonValue.Create(value == "true")
        : JsonValue.Create(value);

    private static void Write(string path, string text)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // It may name credential files and, for Node:RpcPassword, hold one: owner only.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
