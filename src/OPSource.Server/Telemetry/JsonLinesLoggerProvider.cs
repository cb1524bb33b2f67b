using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace OPSource.Server.Telemetry;

/// <summary>
/// The host's log lines on stdout: the JSON console formatter's lines (the same text ASP.NET Core's console logger
/// writes with <c>AddJsonConsole</c>), written in batches. The console logger wakes its writer thread and makes one
/// write call per line; under load that is a thread wake-up per request (the request log line). Here the writer
/// collects the lines of <see cref="BatchInterval"/> and writes them with one call, in the order they were logged.
/// </summary>
/// <remarks>
/// Lines are formatted on the logging thread (scopes are read there), as by the console logger. When more than
/// <see cref="MaxPendingChars"/> characters wait, loggers wait for the writer (the console logger's default
/// <see cref="ConsoleLoggerQueueFullMode.Wait"/>). Disposing (host shutdown) writes every pending line.
/// Configuration rules for the provider alias <c>Console</c> apply to it (<c>Logging:Console:LogLevel</c>).
/// </remarks>
[ProviderAlias("Console")]
internal sealed class JsonLinesLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    /// <summary>How long the writer lets lines gather before one write.</summary>
    internal static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Pending characters beyond which loggers wait for the writer.</summary>
    internal const int MaxPendingChars = 1 << 20;

    [ThreadStatic]
    private static StringWriter? t_line;

    private readonly ConsoleFormatter _formatter;
    private readonly Stream _output;
    private readonly object _gate = new();
    private readonly Thread _writer;
    private StringBuilder _pending = new();
    private StringBuilder _spare = new();
    private bool _stopping;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Writes the lines of the JSON console formatter (registered by <c>AddJsonConsole</c>) to stdout.</summary>
    public JsonLinesLoggerProvider(IEnumerable<ConsoleFormatter> formatters)
        : this(formatters.First(f => f.Name == ConsoleFormatterNames.Json), Console.OpenStandardOutput())
    {
    }

    /// <summary>Writes the given formatter's lines to <paramref name="output"/> (tests).</summary>
    internal JsonLinesLoggerProvider(ConsoleFormatter formatter, Stream output)
    {
        _formatter = formatter;
        _output = output;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Log writer" };
        _writer.Start();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        // As the console logger: wait a bounded time for the last lines.
        _writer.Join(TimeSpan.FromSeconds(1.5));
    }

    private void Append<TState>(in LogEntry<TState> entry)
    {
        var line = t_line ??= new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var text = line.GetStringBuilder();
        _formatter.Write(in entry, _scopes, line);
        if (text.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            while (_pending.Length > MaxPendingChars && !_stopping)
            {
                Monitor.Wait(_gate);
            }

            var wasEmpty = _pending.Length == 0;
            _pending.Append(text);
            if (wasEmpty)
            {
                Monitor.PulseAll(_gate);
            }
        }

        text.Clear();
        if (text.Capacity > 4096)
        {
            text.Capacity = 4096;
        }
    }

    private void WriteLoop()
    {
        var bytes = new byte[16 * 1024];
        // Keeps a surrogate pair that straddles two chunks whole.
        var encoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
        while (true)
        {
            bool stopping;
            lock (_gate)
            {
                while (_pending.Length == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Length == 0)
                {
                    return;
                }

                stopping = _stopping;
            }

            if (!stopping)
            {
                Thread.Sleep(BatchInterval);
            }

            StringBuilder batch;
            lock (_gate)
            {
                batch = _pending;
                _pending = _spare;
                // Loggers waiting for room may go on.
                Monitor.PulseAll(_gate);
            }

            try
            {
                foreach (var chunk in batch.GetChunks())
                {
                    var chars = chunk.Span;
                    while (chars.Length > 0)
                    {
                        encoder.Convert(chars, bytes, flush: false, out var used, out var written, out _);
                        _output.Write(bytes, 0, written);
                        chars = chars[used..];
                    }
                }

                _output.Flush();
            }
            catch (IOException)
            {
                // stdout closed: the lines have nowhere to go, and logging must not stop the host.
            }

            batch.Clear();
            if (batch.Capacity > MaxPendingChars)
            {
                batch.Capacity = MaxPendingChars;
            }

            lock (_gate)
            {
                _spare = batch;
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
