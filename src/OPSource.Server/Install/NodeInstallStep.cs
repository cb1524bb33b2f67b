using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OPSource.Chain.Rpc;
using OPSource.ML.Hardware;
using OPSource.Platform.Errors;
using OPSource.Platform.Install;
using OPSource.Platform.Modules;

namespace OPSource.Server.Install;

/// <summary>
/// Installer step <c>node</c>: connect to an existing Bitcoin Core (live check that it answers and is on
/// the configured network), or generate a bitcoin.conf tuned to this machine with RPC on 127.0.0.1 and
/// fresh credentials (the password only in a mode-600 file; the conf holds its <c>rpcauth</c> hash).
/// Writes the <c>Node</c> section (<c>Node:RpcUrl</c>, <c>Node:CookieFile</c> or <c>Node:RpcUser</c>/<c>Node:RpcPassword</c>, ZMQ endpoints).
/// </summary>
public sealed class NodeInstallStep(PlatformContext platform, OpsourceOptions options, IHardwareSource hardware) : IInstallStep
{
    private const string RpcUser = "opsource";

    private CoreNetwork Network => CoreNetwork.For(options.Network);

    /// <inheritdoc />
    public string Id => "node";

    /// <inheritdoc />
    public string Title => "Bitcoin node";

    /// <inheritdoc />
    public int Order => 100;

    /// <inheritdoc />
    public IReadOnlyList<InstallQuestion> Questions =>
    [
        new("mode", "Connect to a running Bitcoin Core, or generate a bitcoin.conf for a new one?")
        {
            Kind = InstallQuestionKind.Choice,
            Choices = ["connect", "generate"],
            Default = _ => "connect",
        },
        new("rpc_url", "Node RPC URL")
        {
            When = a => a.Get("mode") == "connect",
            Default = _ => $"http://127.0.0.1:{Network.RpcPort}/",
            Validate = (v, _) => Uri.TryCreate(v, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(u.UserInfo)
                ? null : "must be an http(s) URL without credentials, e.g. http://127.0.0.1:8332/",
        },
        new("auth", "Authenticate with Core's cookie file or a user and password?")
        {
            Kind = InstallQuestionKind.Choice,
            Choices = ["cookie", "password"],
            When = a => a.Get("mode") == "connect",
            Default = _ => "cookie",
        },
        new("cookie_file", "Path of Core's .cookie file")
        {
            When = a => a.Get("mode") == "connect" && a.Get("auth") == "cookie",
            Default = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bitcoin", Network.DataSubdir, ".cookie"),
        },
        new("rpc_user", "RPC user")
        {
            When = a => a.Get("mode") == "connect" && a.Get("auth") == "password",
            Validate = (v, _) => v.Contains(':', StringComparison.Ordinal) ? "must not contain ':'" : null,
        },
        new("rpc_password", "RPC password")
        {
            Kind = InstallQuestionKind.Secret,
            When = a => a.Get("mode") == "connect" && a.Get("auth") == "password",
        },
        new("bitcoin_datadir", "Directory for the new node's data and bitcoin.conf")
        {
            When = a => a.Get("mode") == "generate",
            Default = _ => Path.Combine(platform.DataDir, "bitcoin"),
            Validate = (v, _) => Path.IsPathFullyQualified(v) ? null : "must be an absolute path",
        },
        new("rpc_port", "RPC port (bound to 127.0.0.1)")
        {
            Kind = InstallQuestionKind.Integer,
            When = a => a.Get("mode") == "generate",
            Default = _ => Network.RpcPort.ToString(CultureInfo.InvariantCulture),
            Validate = (v, _) => Port(v),
        },
        new("p2p_port", "P2P port")
        {
            Kind = InstallQuestionKind.Integer,
            When = a => a.Get("mode") == "generate",
            Default = _ => Network.P2pPort.ToString(CultureInfo.InvariantCulture),
            Validate = (v, _) => Port(v),
        },
        new("zmq_port", "ZMQ port for raw blocks (raw transactions use the next port)")
        {
            Kind = InstallQuestionKind.Integer,
            When = a => a.Get("mode") == "generate",
            Default = _ => "28332",
            Validate = (v, _) => Port(v),
        },
    ];

    /// <inheritdoc />
    public Task<InstallStepState> InspectAsync(InstallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var url = context.Configuration["Node:RpcUrl"];
        if (string.IsNullOrWhiteSpace(url))
        {
            return Task.FromResult(InstallStepState.NotConfigured("no node configured (Node:RpcUrl is empty)"));
        }

        var auth = context.Configuration["Node:CookieFile"] is { Length: > 0 } cookie ? "cookie file " + cookie : "user " + context.Configuration["Node:RpcUser"];
        return Task.FromResult(new InstallStepState(true, [$"node at {url} ({auth})"]));
    }

    /// <inheritdoc />
    public Task<InstallPlan> PlanAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        if (answers.Get("mode") == "generate")
        {
            var (directory, tuning, rpcPort, zmqPort, cookie) = GenerationPlan(answers);
            var actions = new List<string>
            {
                $"write {Path.Combine(directory, "bitcoin.conf")} (mode 600): {Network.Name}, RPC on 127.0.0.1:{rpcPort}, rpcauth for user {RpcUser}",
                $"write fresh RPC credentials to {cookie} (mode 600)",
            };
            actions.AddRange(tuning.Reasons);
            return Task.FromResult(new InstallPlan(actions, GeneratedSettings(rpcPort, zmqPort, cookie)));
        }

        return Task.FromResult(new InstallPlan(
            [$"check that the node at {answers.Get("rpc_url")} answers and is on {Network.Name}", "write the Node section"],
            ConnectSettings(answers, redact: true)));
    }

    /// <inheritdoc />
    public async Task<InstallStepResult> ApplyAsync(InstallContext context, InstallAnswers answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        if (answers.Get("mode") == "generate")
        {
            return Generate(answers);
        }

        // Live check with the answered connection: the node answers and runs the configured network.
        var url = new Uri(answers.Require("rpc_url"));
        var credentials = answers.Get("auth") == "cookie"
            ? RpcCredentials.FromCookieFile(answers.Require("cookie_file"))
            : RpcCredentials.FromUserPassword(answers.Require("rpc_user"), new string(answers.GetSecret("rpc_password").Span));
        using var client = new BitcoinRpcClient(new BitcoinRpcClientOptions(url, credentials) { MaxRetries = 1, RequestTimeout = TimeSpan.FromSeconds(10) });
        BlockchainInfo info;
        try
        {
            info = await client.GetBlockchainInfoAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BitcoinRpcException or HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException)
        {
            throw new OpsourceException(ErrorCategory.Unavailable, "node_unreachable", $"node at {url}: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }

        if (info.Network is null || !string.Equals(info.Network.Name, platform.Network.Name, StringComparison.Ordinal))
        {
            throw new OpsourceException(ErrorCategory.Refused, "wrong_network", $"node at {url} runs chain '{info.Chain}', but OPSource is configured for {Network.Name}");
        }

        var sync = info.InitialBlockDownload ? $"syncing: {info.Blocks} of {info.Headers} blocks" : $"synced at height {info.Blocks}";
        return InstallStepResult.Of([$"node at {url} answers on {Network.Name} ({sync})"], ConnectSettings(answers, redact: false));
    }

    private InstallStepResult Generate(InstallAnswers answers)
    {
        var (directory, tuning, rpcPort, zmqPort, cookie) = GenerationPlan(answers);
        CreatePrivateDirectory(directory);
        CreatePrivateDirectory(Path.GetDirectoryName(cookie)!);
        var password = new char[44];
        var random = RandomNumberGenerator.GetBytes(32);
        Convert.TryToBase64Chars(random, password, out var written);
        CryptographicOperations.ZeroMemory(random);
        try
        {
            var secret = password.AsSpan(0, written).TrimEnd('=');
            for (var i = 0; i < secret.Length; i++)
            {
                // base64url: no '/' or '+' in a password that ends up in a URL-safe cookie line.
                secret[i] = secret[i] switch { '+' => '-', '/' => '_', var c => c };
            }

            var auth = BitcoinConf.RpcAuth(RpcUser, secret, RandomNumberGenerator.GetBytes(16));
            var conf = Path.Combine(directory, "bitcoin.conf");
            var done = new List<string>();
            if (File.Exists(conf))
            {
                var backup = conf + ".bak-" + DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
                File.Move(conf, backup);
                done.Add($"kept the previous bitcoin.conf as {backup}");
            }

            WritePrivate(conf, BitcoinConf.Render(Network, tuning, auth, rpcPort, answers.GetInt64("p2p_port") is { } p ? (int)p : Network.P2pPort, zmqPort));
            var line = new char[RpcUser.Length + 1 + secret.Length];
            RpcUser.AsSpan().CopyTo(line);
            line[RpcUser.Length] = ':';
            secret.CopyTo(line.AsSpan(RpcUser.Length + 1));
            WritePrivate(cookie, line);
            Array.Clear(line);
            done.Add($"wrote {conf} (mode 600; RPC on 127.0.0.1:{rpcPort}, user {RpcUser} by rpcauth)");
            done.Add($"wrote the RPC credentials to {cookie} (mode 600)");
            done.AddRange(tuning.Reasons);
            done.Add($"start the node: bitcoind -datadir={directory}");
            return InstallStepResult.Of(done, GeneratedSettings(rpcPort, zmqPort, cookie));
        }
        finally
        {
            Array.Clear(password);
        }
    }

    private (string Directory, BitcoinConf.Tuning Tuning, int RpcPort, int ZmqPort, string Cookie) GenerationPlan(InstallAnswers answers)
    {
        var directory = answers.Require("bitcoin_datadir");
        var profile = HardwareDetector.Detect(hardware, directory);
        var tuning = BitcoinConf.Tune(profile, Network);
        var rpcPort = (int)(answers.GetInt64("rpc_port") ?? Network.RpcPort);
        var zmqPort = (int)(answers.GetInt64("zmq_port") ?? 28332);
        return (directory, tuning, rpcPort, zmqPort, Path.Combine(platform.DataDir, "secrets", "bitcoin-rpc.cookie"));
    }

    private static Dictionary<string, string?> GeneratedSettings(int rpcPort, int zmqPort, string cookie) => new()
    {
        ["Node:RpcUrl"] = $"http://127.0.0.1:{rpcPort}/",
        ["Node:CookieFile"] = cookie,
        ["Node:RpcUser"] = null,
        ["Node:RpcPassword"] = null,
        ["Node:ZmqBlock"] = $"tcp://127.0.0.1:{zmqPort}",
        ["Node:ZmqTx"] = $"tcp://127.0.0.1:{zmqPort + 1}",
    };

    private static Dictionary<string, string?> ConnectSettings(InstallAnswers answers, bool redact)
    {
        var cookie = answers.Get("auth") == "cookie";
        return new Dictionary<string, string?>
        {
            ["Node:RpcUrl"] = answers.Get("rpc_url"),
            ["Node:CookieFile"] = cookie ? answers.Get("cookie_file") : null,
            ["Node:RpcUser"] = cookie ? null : answers.Get("rpc_user"),
            // Written to the data dir's appsettings.json, which SettingsFile keeps at mode 600.
            ["Node:RpcPassword"] = cookie ? null : redact ? "***" : new string(answers.GetSecret("rpc_password").Span),
        };
    }

    private static string? Port(string value) =>
        long.Parse(value, CultureInfo.InvariantCulture) is < 1 or > 65535 ? "must be a port number 1-65535" : null;

    private static void CreatePrivateDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void WritePrivate(string path, ReadOnlySpan<char> text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToArray());
        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its mode on FileMode.Create: tighten it.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
