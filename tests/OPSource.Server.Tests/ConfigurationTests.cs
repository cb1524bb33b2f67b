using System.Collections;
using Microsoft.Extensions.Options;

namespace OPSource.Server.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("opsource-config-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string AppDir => Directory.CreateDirectory(Path.Combine(_root, "app")).FullName;

    private string DataDir => Directory.CreateDirectory(Path.Combine(_root, "data")).FullName;

    private static Dictionary<string, string?> NoOverrides => [];

    private static Hashtable Env(params (string Key, string Value)[] vars)
    {
        var env = new Hashtable();
        foreach (var (k, v) in vars)
        {
            env[k] = v;
        }

        return env;
    }

    [Fact]
    public void Defaults_are_mainnet_sqlite_and_loopback_8080()
    {
        var (options, _) = OpsourceConfiguration.Load(new Dictionary<string, string?> { ["DataDir"] = DataDir }, Env(), AppDir);
        Assert.Equal("mainnet", options.Network);
        Assert.Equal(DataDir, options.DataDir);
        Assert.Equal("http://127.0.0.1:8080", options.Server.Urls);
        Assert.Equal("Sqlite", StorageProviderName(options));
    }

    private static string StorageProviderName(OpsourceOptions o) => o.Storage.ResolveProvider().ToString();

    [Fact]
    public void Default_data_dir_is_dot_opsource_in_home()
    {
        Assert.Equal(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".opsource"), OpsourceConfiguration.DefaultDataDir);
        var (options, _) = OpsourceConfiguration.Load(NoOverrides, Env(), AppDir);
        Assert.Equal(OpsourceConfiguration.DefaultDataDir, options.DataDir);
    }

    [Fact]
    public void Precedence_is_app_file_then_data_file_then_environment_then_command_line()
    {
        File.WriteAllText(Path.Combine(AppDir, "appsettings.json"), """
            { "Network": "testnet", "Server": { "Urls": "http://127.0.0.1:1111", "ShutdownTimeoutSeconds": 7 }, "Storage": { "BusyTimeoutSeconds": 9 } }
            """);
        File.WriteAllText(Path.Combine(DataDir, "appsettings.json"), """
            { "Network": "signet", "Server": { "Urls": "http://127.0.0.1:2222" } }
            """);
        var env = Env(("OPSOURCE_DataDir", DataDir), ("OPSOURCE_Server__Urls", "http://127.0.0.1:3333"), ("UNRELATED_Network", "mainnet"));

        var (fromFiles, layers) = OpsourceConfiguration.Load(NoOverrides, env, AppDir);
        Assert.Equal("signet", fromFiles.Network);                      // data dir file beats app file
        Assert.Equal("http://127.0.0.1:3333", fromFiles.Server.Urls);   // environment beats files
        Assert.Equal(7, fromFiles.Server.ShutdownTimeoutSeconds);       // app file still fills the rest
        Assert.Equal(9, fromFiles.Storage.BusyTimeoutSeconds);
        Assert.Equal(2, layers.Files.Count);

        var (fromCli, _) = OpsourceConfiguration.Load(new Dictionary<string, string?> { ["Network"] = "regtest", ["Server:Urls"] = "http://127.0.0.1:4444" }, env, AppDir);
        Assert.Equal("regtest", fromCli.Network);
        Assert.Equal("http://127.0.0.1:4444", fromCli.Server.Urls);
    }

    [Fact]
    public void Environment_selects_postgres_through_a_connection_string()
    {
        var env = Env(("OPSOURCE_Storage__ConnectionString", "Host=db;Username=u;Password=pw;Database=d"));
        var (options, _) = OpsourceConfiguration.Load(new Dictionary<string, string?> { ["DataDir"] = DataDir }, env, AppDir);
        Assert.Equal("Postgres", StorageProviderName(options));
        var shown = OpsourceConfiguration.Describe(options).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("postgres", shown["Storage:Provider"]);
        Assert.DoesNotContain("pw", shown["Storage:ConnectionString"].Replace("***", "", StringComparison.Ordinal).Split(';').Select(p => p.Split('=').Last()));
        Assert.Contains("Password=***", shown["Storage:ConnectionString"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Network", "moonnet", "Network 'moonnet' is not supported")]
    [InlineData("Storage:Provider", "oracle", "Storage:Provider 'oracle' is not supported")]
    [InlineData("Server:Urls", "https://127.0.0.1:8443", "Server:Urls entry 'https://127.0.0.1:8443' is not an http://host:port URL")]
    [InlineData("Server:Urls", "not a url", "Server:Urls entry 'not a url'")]
    [InlineData("Server:ShutdownTimeoutSeconds", "0", "Server:ShutdownTimeoutSeconds must be between 1 and 300")]
    [InlineData("Server:ShutdownTimeoutSeconds", "soon", "Server:ShutdownTimeoutSeconds")]
    [InlineData("Server:HealthCheckReuseMilliseconds", "-1", "Server:HealthCheckReuseMilliseconds must be between 0 and 60000")]
    public void Invalid_settings_fail_with_a_message_naming_the_setting(string key, string value, string expected)
    {
        var overrides = new Dictionary<string, string?> { ["DataDir"] = DataDir, [key] = value };
        var ex = Assert.Throws<OptionsValidationException>(() => OpsourceConfiguration.Load(overrides, Env(), AppDir));
        var line = OpsourceConfiguration.OneLine(ex);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void Several_problems_are_all_reported()
    {
        var overrides = new Dictionary<string, string?> { ["DataDir"] = DataDir, ["Network"] = "x", ["Storage:Provider"] = "postgres" };
        var ex = Assert.Throws<OptionsValidationException>(() => OpsourceConfiguration.Load(overrides, Env(), AppDir));
        Assert.Contains(ex.Failures, f => f.StartsWith("Network", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Storage:ConnectionString is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_settings_file_is_reported_with_its_path()
    {
        File.WriteAllText(Path.Combine(DataDir, "appsettings.json"), "{ \"Network\": ");
        var ex = Assert.ThrowsAny<Exception>(() => OpsourceConfiguration.Load(new Dictionary<string, string?> { ["DataDir"] = DataDir }, Env(), AppDir));
        Assert.True(ex is InvalidDataException or FormatException, ex.GetType().Name);
        Assert.Contains("appsettings.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_refuses_invalid_options()
    {
        var options = new OpsourceOptions { DataDir = DataDir, Network = "moonnet" };
        Assert.Throws<OptionsValidationException>(() => OpsourceServer.Build(options));
    }
}
