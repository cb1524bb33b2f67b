using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace OPSource.Server.Telemetry;

/// <summary>
/// The host's log lines on stdout: the JSON console formatter's lines (the same text ASP.NET Core's console logger
/// writes with <c>AddJsonConsole</c>, made as UTF-8 by <see cref="JsonLineFormatter"/>), written in batches. The
/// console logger wakes its writer thread and makes one write call per line; under load that is a thread wake-up per
/// request (the request log line). Here the writer collects the lines of <see cref="BatchInterval"/> and writes them
/// with one call, in the order they were logged.
/// </summary>
/// <remarks>
/// Lines are formatted on the logging thread (scopes are read there), as by the console logger. When more than
/// <see cref="MaxPendingLines"/> lines wait, loggers wait for the writer (the console logger's default
/// <see cref="ConsoleLoggerQueueFullMode.Wait"/>). Disposing (host shutdown) writes every pending line.
/// Configuration rules for the provider alias <c>Console</c> apply to it (<c>Logging:Console:LogLevel</c>).
/// </remarks>
[ProviderAlias("Console")]
internal sealed class JsonLinesLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    /// <summary>How long the writer lets lines gather before one write.</summary>
    internal static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Pending lines beyond which loggers wait for the writer.</summary>
    internal const int MaxPendingLines = 10_000;

    private readonly JsonLineFormatter _formatter;
    private readonly Stream _output;
    private readonly Thread _writer;
    private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> _lines = new();
    private readonly ManualResetEventSlim _wake = new();
    private int _pendingCount;
    private int _signaled;
    private bool _stopping;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Writes JSON console lines (with the options of <c>AddJsonConsole</c>) to stdout.</summary>
    public JsonLinesLoggerProvider(IOptionsMonitor<JsonConsoleFormatterOptions> options)
        : this(options, Console.OpenStandardOutput())
    {
    }

    /// <summary>Writes JSON console lines to <paramref name="output"/> (tests).</summary>
    internal JsonLinesLoggerProvider(IOptionsMonitor<JsonConsoleFormatterOptions> options, Stream output)
    {
        _formatter = new JsonLineFormatter(options);
        _output = output;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Log writer" };
        _writer.Start();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
        Volatile.Write(ref _stopping, true);
        _wake.Set();
        // As the console logger: wait a bounded time for the last lines.
        _writer.Join(TimeSpan.FromSeconds(1.5));
    }

    private void Append<TState>(in LogEntry<TState> entry)
    {
        if (_formatter.Format(in entry, _scopes) is not { } value)
        {
            return;
        }

        // Room first (the console logger's Wait mode): the writer drains at least every BatchInterval.
        while (Volatile.Read(ref _pendingCount) >= MaxPendingLines && !Volatile.Read(ref _stopping))
        {
            _wake.Set();
            Thread.Sleep(1);
        }

        _lines.Enqueue(value);
        Interlocked.Increment(ref _pendingCount);
        // One wake-up per batch: only the first line after the writer took the last batch signals it.
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _wake.Set();
        }
    }

    private void WriteLoop()
    {
        var bytes = new byte[16 * 1024];
        while (true)
        {
            _wake.Wait();
            var stopping = Volatile.Read(ref _stopping);
            if (!stopping)
            {
                Thread.Sleep(BatchInterval);
            }

            // Reset before draining: a line enqueued from here on either is drained below or signals again.
            _wake.Reset();
            Volatile.Write(ref _signaled, 0);
            var used = 0;
            try
            {
                while (_lines.TryDequeue(out var line))
                {
                    Interlocked.Decrement(ref _pendingCount);
                    if (used + line.Length > bytes.Length)
                    {
                        _output.Write(bytes, 0, used);
                        used = 0;
                        if (line.Length > bytes.Length)
                        {
                            _output.Write(line, 0, line.Length);
                            continue;
                        }
                    }

                    line.CopyTo(bytes.AsSpan(used));
                    used += line.Length;
                }

                _output.Write(bytes, 0, used);
                _output.Flush();
            }
            catch (IOException)
            {
                // stdout closed: the lines have nowhere to go, and logging must not stop the host.
            }

            if (stopping && _lines.IsEmpty)
            {
                return;
            }
        }
    }

    private sealed class Logger(JsonLinesLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            provider.Append(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter));
        }
    }
}
