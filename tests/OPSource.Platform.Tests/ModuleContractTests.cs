using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OPSource.Bitcoin;
using OPSource.Platform.Events;
using OPSource.Platform.Modules;
using OPSource.Platform.SelfTest;
using OPSource.Storage;

namespace OPSource.Platform.Tests;

public sealed class ModuleContractTests
{
    private static readonly PlatformContext Context = new(Network.Regtest, "/tmp/opsource-test");

    private sealed class SampleCheck : ISelfTestCheck
    {
        public string Component => "sample";

        public string Name => "always_passes_when_configured";

        public Task<SelfTestResult> RunAsync(SelfTestContext context, CancellationToken cancellationToken) =>
            Task.FromResult(SelfTestResult.Pass("ok"));
    }

    private sealed class SampleModule(string name = "sample") : IOpsourceModule
    {
        public string Name => name;

        public void Register(ModuleRegistration registration)
        {
            registration.AddMigrations(new MigrationList(new Migration(Name, 1, "sample table", "CREATE TABLE IF NOT EXISTS sample_items (id INTEGER PRIMARY KEY)")))
                .AddSelfTest<SampleCheck>()
                .AddEventTopic(Name, "sample events")
                .AddMeter("OPSource.Sample");
            var limit = registration.Section["Limit"];
            if (limit is not null && !int.TryParse(limit, out _))
            {
                throw new ModuleConfigurationException([$"Sample:Limit '{limit}' is not a whole number"]);
            }
        }
    }

    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Module_registers_migrations_checks_topics_and_meters()
    {
        var services = new ServiceCollection();
        var dir = Directory.CreateTempSubdirectory("opsource-contract-").FullName;
        services.AddOpsourceStorage(new StorageOptions(), dir);
        services.AddOpsourceModules([new SampleModule()], Config(), Context);
        using var provider = services.BuildServiceProvider();
        // The platform's own modules (auth, events) come first, then the listed ones.
        Assert.Equal(["storage", "auth", "events", "sample"], provider.GetServices<IMigrationSource>().Select(s => s.Migrations.First().Module));
        Assert.Equal("always_passes_when_configured", Assert.Single(provider.GetServices<ISelfTestCheck>()).Name);
        Assert.Equal("sample", Assert.Single(provider.GetServices<EventTopicFamily>()).Family);
        // The platform's events module declares its own meter; the sample module's follows it.
        Assert.Equal(["events", "sample"], provider.GetServices<ModuleMeter>().Select(m => m.Module));
        Assert.Equal("OPSource.Sample", provider.GetServices<ModuleMeter>().Single(m => m.Module == "sample").Name);
        Assert.True(provider.GetRequiredService<InProcessEventBus>().IsKnownTopic("sample:x"));
        Assert.Same(provider.GetRequiredService<InProcessEventBus>(), provider.GetRequiredService<IEventPublisher>());
    }

    [Fact]
    public void Module_reads_its_own_section_and_reports_bad_settings()
    {
        var services = new ServiceCollection();
        var ex = Assert.Throws<ModuleConfigurationException>(() =>
            services.AddOpsourceModules([new SampleModule()], Config(("Sample:Limit", "lots")), Context));
        Assert.Equal("Sample:Limit 'lots' is not a whole number", Assert.Single(ex.Problems));
    }

    [Fact]
    public void Duplicate_module_names_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new ServiceCollection().AddOpsourceModules([new SampleModule(), new SampleModule()], Config(), Context));
        Assert.Contains("listed twice", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Wallet")]
    [InlineData("")]
    [InlineData("dao id")]
    public void Module_names_are_lower_case_identifiers(string name) =>
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddOpsourceModules([new SampleModule(name)], Config(), Context));

    [Fact]
    public void A_module_cannot_register_another_modules_migrations()
    {
        var registration = new ModuleRegistration("wallet", new ServiceCollection(), Config(), Context);
        var ex = Assert.Throws<ArgumentException>(() => registration.AddMigrations(new MigrationList(new Migration("dao", 1, "x", "SELECT 1"))));
        Assert.Contains("dao/1", ex.Message, StringComparison.Ordinal);
    }
}
