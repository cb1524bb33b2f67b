using System.Text.Json.Nodes;
using static OPSource.Cli.Tests.CliRun;

namespace OPSource.Cli.Tests;

public sealed class ConfigCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-config-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Show_as_json_gives_the_effective_settings()
    {
        var (code, output, error) = await Run("config", "show", "--json", "--data-dir", _dataDir, "--network", "testnet4");
        Assert.Equal(0, code);
        Assert.Empty(error);
        var json = JsonNode.Parse(output)!;
        Assert.True((bool)json["valid"]!);
        var settings = json["settings"]!;
        Assert.Equal("testnet4", (string?)settings["Network"]);
        Assert.Equal(_dataDir, (string?)settings["DataDir"]);
        Assert.Equal("sqlite", (string?)settings["Storage:Provider"]);
        Assert.Equal(Path.Combine(_dataDir, "opsource.db"), (string?)settings["Storage:SqlitePath"]);
        Assert.Equal("http://127.0.0.1:8080", (string?)settings["Server:Urls"]);
    }

    [Fact]
    public async Task Show_reads_the_data_dir_settings_file_and_redacts_the_password()
    {
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), """
            { "Storage": { "ConnectionString": "Host=db.internal;Username=ops;Password=correct-horse;Database=opsource" } }
            """);

        var (code, output, _) = await Run("config", "show", "--data-dir", _dataDir);

        Assert.Equal(0, code);
        Assert.Contains("Storage:ConnectionString", output, StringComparison.Ordinal);
        Assert.Contains("Password=***", output, StringComparison.Ordinal);
        Assert.Contains("postgres", output, StringComparison.Ordinal);
        Assert.DoesNotContain("correct-horse", output, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_dataDir, "appsettings.json"), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_configuration_exits_1_with_one_line_naming_the_setting()
    {
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), """{ "Storage": { "Provider": "mysql" } }""");

        var (code, _, error) = await Run("config", "show", "--data-dir", _dataDir);

        Assert.Equal(1, code);
        Assert.Equal("error: invalid configuration: Storage:Provider 'mysql' is not supported (use sqlite or postgres)", error.TrimEnd());
    }

    [Fact]
    public async Task Malformed_settings_file_is_a_user_error()
    {
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), "{ not json");

        var (code, _, error) = await Run("config", "show", "--data-dir", _dataDir);

        Assert.Equal(1, code);
        Assert.StartsWith("error: invalid configuration:", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Unconvertible_value_names_the_key()
    {
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), """{ "Server": { "ShutdownTimeoutSeconds": "soon" } }""");

        var (code, _, error) = await Run("config", "show", "--data-dir", _dataDir);

        Assert.Equal(1, code);
        Assert.Contains("Server:ShutdownTimeoutSeconds", error, StringComparison.Ordinal);
    }
}

public sealed class EffectiveGlobalsTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("opsource-cli-globals-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Info_uses_the_network_from_the_data_dir_settings_unless_typed()
    {
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), """{ "Network": "signet" }""");

        var (code, output, _) = await Run("info", "--json", "--data-dir", _dataDir);
        Assert.Equal(0, code);
        Assert.Equal("signet", (string?)JsonNode.Parse(output)!["network"]);

        var (code2, output2, _) = await Run("info", "--json", "--data-dir", _dataDir, "--network", "regtest");
        Assert.Equal(0, code2);
        Assert.Equal("regtest", (string?)JsonNode.Parse(output2)!["network"]);
    }

    [Fact]
    public async Task Every_command_refuses_a_broken_settings_file()
    {
        // Issue 9: every command validates the configuration it reads (offline ones too).
        File.WriteAllText(Path.Combine(_dataDir, "appsettings.json"), "{ broken");

        foreach (var args in new[] { new[] { "info", "--json" }, ["tx", "decode", "00"], ["address", "validate", "x"] })
        {
            var (code, output, error) = await Run([.. args, "--data-dir", _dataDir]);
            Assert.Equal(1, code);
            // docs/cli.md: nothing on stdout, or with --json the error document with its code.
            if (args.Contains("--json"))
            {
                Assert.Equal("settings.invalid_file", (string?)System.Text.Json.Nodes.JsonNode.Parse(output)!["error"]!["code"]);
            }
            else
            {
                Assert.Empty(output);
            }

            Assert.StartsWith("error: invalid configuration: ", error, StringComparison.Ordinal);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
    }
}
