package org.ptth.e2e.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven by Selenium through Debian's chromedriver: no download, no
 * network, a fresh profile each time. {@link #missing()} says what to install when either is absent.
 */
public final class Browser {
    public static final Path CHROMIUM = ExternalTool.find("chromium", "/usr/bin/chromium");
    public static final Path CHROMEDRIVER = ExternalTool.find("chromedriver", "/usr/bin/chromedriver");

    private Browser() {
    }

    /** Empty when both are here; else one line saying what is missing and how to get it. */
    public static String missing() {
        final List<String> missing = new ArrayList<>();
        if (CHROMIUM == null) {
            missing.add("chromium not found: sudo apt-get install chromium");
        }
        if (CHROMEDRIVER == null) {
            missing.add("chromedriver not found: sudo apt-get install chromium-driver");
        }
        return ExternalTool.missing(missing);
    }

    /** A new headless browser with its own profile under {@code workDir}; quit() it. */
    public static ChromeDriver start(final Path workDir, final int width, final int height) throws IOException {
        final Path profile = Files.createTempDirectory(workDir, "chromium-profile");
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        final ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(workDir.resolve("chromedriver.log").toFile())
                .build();
        return new ChromeDriver(service, options);
    }
}
