#!/usr/bin/python3
"""A fake IP camera for tests: GStreamer's RTSP server (gst-rtsp-server through PyGObject).

Serves a live test pattern (H264, H265 or MJPEG) and a sine tone (PCMU, PCMA, AAC or Opus) on one RTSP
path, optionally behind Basic or Digest auth, optionally as an ONVIF Profile T camera whose audio
backchannel (the stream a client sends to the camera's speaker) is decoded and written to a file.

When it listens it prints ONE JSON line on stdout, e.g.
  {"ready": true, "url": "rtsp://127.0.0.1:40123/stream", "port": 40123, ...}
and from then on logs only to stderr. SIGTERM/SIGINT close every client and exit 0.
Exit codes: 0 clean stop, 2 bad flags, 3 a GStreamer element or binding is missing, 4 cannot listen.

Run it with /usr/bin/python3 (Debian's interpreter has python3-gi; another python3 on PATH may not).
"""

import argparse
import ctypes
import json
import os
import signal
import sys
import threading
import time

# No __pycache__ beside the script in the source tree.
sys.dont_write_bytecode = True
from gst_pipelines import (  # noqa: E402 (after the line above on purpose)
    BACKCHANNELS, audio_branch, backchannel_launch, missing_elements, video_branch)

EXIT_BAD_FLAGS = 2  # argparse exits with it by itself
EXIT_MISSING = 3
EXIT_LISTEN = 4


def log(message):
    # Never raises: once the parent is gone stderr is a broken pipe, and an exception here would abort the
    # SIGTERM handler that is about to stop the camera.
    try:
        sys.stderr.write('[gst-camera %d] %s\n' % (os.getpid(), message))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def die(code, message):
    log('error: ' + message)
    sys.exit(code)


def parse_args(argv):
    p = argparse.ArgumentParser(description='Fake IP camera (GStreamer RTSP server) for tests.')
    p.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    p.add_argument('--port', type=int, default=0, help='RTSP port; 0 picks a free one (default 0)')
    p.add_argument('--path', default='/stream', help='mount path (default /stream)')
    p.add_argument('--video', choices=['h264', 'h265', 'mjpeg', 'none'], default='h264')
    p.add_argument('--audio', choices=['pcmu', 'pcma', 'aac', 'opus', 'none'], default='none')
    p.add_argument('--auth', choices=['none', 'basic', 'digest'], default='none')
    p.add_argument('--user', default='admin')
    p.add_argument('--password', default='secret')
    p.add_argument('--onvif', action='store_true', help='ONVIF Profile T server with an audio backchannel')
    p.add_argument('--backchannel', choices=sorted(BACKCHANNELS), default='pcmu',
                   help='backchannel codec in --onvif mode (default pcmu)')
    p.add_argument('--backchannel-file', default=None,
                   help='write what the camera receives on the backchannel here (appended per session)')
    p.add_argument('--transport', choices=['tcp', 'udp', 'both'], default='both',
                   help='RTP transports offered to clients (default both)')
    p.add_argument('--shared', action='store_true', help='one pipeline for all clients (not with --onvif)')
    p.add_argument('--session-timeout', type=int, default=60,
                   help='seconds a session without keep-alive survives (default 60, as real cameras)')
    p.add_argument('--no-overlay', action='store_true', help='no timestamp overlay on the video')
    p.add_argument('--exit-with-parent', action='store_true',
                   help='exit when the process that started this one dies (the TypeScript launcher sets it)')
    args = p.parse_args(argv)
    if args.video == 'none' and args.audio == 'none':
        p.error('--video none and --audio none: the camera would have no media')
    if not args.path.startswith('/'):
        p.error('--path must start with /')
    if not 0 <= args.port <= 65535:
        p.error('--port must be 0..65535')
    if args.shared and args.onvif:
        p.error('--shared cannot be used with --onvif (each backchannel session needs its own pipeline)')
    if args.backchannel_file and not args.onvif:
        p.error('--backchannel-file needs --onvif')
    if args.session_timeout < 1:
        p.error('--session-timeout must be >= 1')
    return args


def die_with_parent():
    """Ask the kernel to SIGTERM us when the process that started us dies, so a crashed test leaves no camera."""
    try:
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError as err:
        log('prctl(PR_SET_PDEATHSIG) unavailable: %s' % err)


def load_gi():
    try:
        import gi
        gi.require_version('Gst', '1.0')
        gi.require_version('GstRtsp', '1.0')
        gi.require_version('GstRtspServer', '1.0')
        from gi.repository import GLib, Gst, GstRtsp, GstRtspServer
    except (ImportError, ValueError) as err:
        die(EXIT_MISSING, 'GStreamer Python bindings not found (%s): apt-get install python3-gi '
            'gir1.2-gst-rtsp-server-1.0, and run this script with /usr/bin/python3' % err)
    Gst.init(None)
    return GLib, Gst, GstRtsp, GstRtspServer


def check_elements(Gst, launches):
    missing, packages = missing_elements(Gst, launches)
    if missing:
        die(EXIT_MISSING, 'GStreamer element(s) missing: %s; install: %s' % (', '.join(missing), ' '.join(packages)))
    for launch in launches:
        try:
            pipeline = Gst.parse_launch(launch)
            pipeline.set_state(Gst.State.NULL)
        except Exception as err:  # GLib.Error from the parser: the line itself is wrong.
            die(EXIT_MISSING, 'cannot build pipeline %r: %s' % (launch, err))


class Camera:
    def __init__(self, args, GLib, Gst, GstRtsp, GstRtspServer):
        self.args = args
        self.GLib, self.Gst, self.GstRtsp, self.S = GLib, Gst, GstRtsp, GstRtspServer
        self.loop = GLib.MainLoop()
        self.clients = 0
        self.stopping = False
        self.exit_code = 0

    def launch_line(self):
        parts = []
        if self.args.video != 'none':
            parts.append(video_branch(self.args.video, self.overlay))
        if self.args.audio != 'none':
            parts.append(audio_branch(self.args.audio, 'pay1' if parts else 'pay0'))
        return '( ' + ' '.join(parts) + ' )'

    def build(self):
        a, S, GstRtsp = self.args, self.S, self.GstRtsp
        self.overlay = not a.no_overlay and self.Gst.ElementFactory.find('timeoverlay') is not None
        launch = self.launch_line()
        launches = [launch]
        if a.onvif:
            if a.backchannel_file:
                # Exists (empty) from the start, so a test can watch it grow.
                try:
                    open(a.backchannel_file, 'wb').close()
                except OSError as err:
                    die(EXIT_BAD_FLAGS, 'cannot create --backchannel-file: %s' % err)
            bc = backchannel_launch(a.backchannel, a.backchannel_file)
            launches.append(bc)
        check_elements(self.Gst, launches)

        if a.onvif:
            server = S.RTSPOnvifServer()
            factory = S.RTSPOnvifMediaFactory()
            factory.set_backchannel_launch(bc)
            # Without this the factory builds plain RTSPMedia and every DESCRIBE answers 400.
            factory.set_media_gtype(S.RTSPOnvifMedia.__gtype__)
        else:
            server = S.RTSPServer()
            factory = S.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(a.shared)
        if a.shared:
            # A live camera plays from now whatever Range a PLAY asks for. GStreamer seeks the test pattern to
            # it instead: ffmpeg's `Range: npt=0.000-` made a flushing seek of the shared pipeline, restarting
            # the picture under every other client, and a second PLAY meanwhile found a stream without a
            # segment: 503 (media in error) or an abort on an assertion in gst_rtsp_media_get_rates (5 of 45
            # tries of two ffmpeg readers starting together; 0 of 80 with this). GStreamer 1.22 takes a media
            # whose clock it publishes with an offset as not seekable; the SDP then says a=ts-refclk:local.
            factory.set_publish_clock_mode(S.RTSPPublishClockMode.CLOCK_AND_OFFSET)
        protocols = {'tcp': GstRtsp.RTSPLowerTrans.TCP, 'udp': GstRtsp.RTSPLowerTrans.UDP,
                     'both': GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP}[a.transport]
        factory.set_protocols(protocols)
        server.set_address(a.host)
        server.set_service(str(a.port))
        if a.auth != 'none':
            self.setup_auth(server, factory)
        server.get_mount_points().add_factory(a.path, factory)
        server.connect('client-connected', self.on_client)
        self.server, self.factory, self.launch = server, factory, launch

    def setup_auth(self, server, factory):
        a, S = self.args, self.S
        auth = S.RTSPAuth()
        token = S.RTSPToken()
        token.set_string('media.factory.role', 'user')
        if a.auth == 'basic':
            auth.add_basic(S.RTSPAuth.make_basic(a.user, a.password), token)
            auth.set_supported_methods(self.GstRtsp.RTSPAuthMethod.BASIC)
        else:
            auth.add_digest(a.user, a.password, token)
            auth.set_supported_methods(self.GstRtsp.RTSPAuthMethod.DIGEST)
        auth.set_realm('ts2rtc-test-camera')
        role = self.Gst.Structure.new_from_string(
            'user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true')
        factory.add_role_from_structure(role)
        server.set_auth(auth)

    def on_client(self, _server, client):
        self.clients += 1
        conn = client.get_connection()
        peer = conn.get_ip() if conn is not None else '?'
        log('client connected from %s (%d so far)' % (peer, self.clients))
        client.connect('closed', lambda _c: log('client from %s closed' % peer))
        client.connect('new-session', self.on_session)

    def on_session(self, _client, session):
        session.set_timeout(self.args.session_timeout)

    def cleanup(self):
        # Expire sessions whose client vanished without TEARDOWN (UDP clients): their pipelines stop.
        removed = self.server.get_session_pool().cleanup()
        if removed:
            log('expired %d session(s)' % removed)
        return True

    def keep_prepared(self, port, then):
        """Prepare the shared media once, from a worker thread, then call `then` in the main loop.

        A shared media is unprepared when its last client leaves, and a DESCRIBE that arrives meanwhile gets 503.
        Holding one prepare of our own keeps the pipeline running from start to stop, as a camera's encoder
        does. The factory caches shared media by port and path, so this is the one clients get. prepare()
        blocks until the media's bus handler, which runs in this main loop, reports it prepared: hence the
        worker thread.
        """
        ok, url = self.GstRtsp.RTSPUrl.parse('rtsp://127.0.0.1:%d%s' % (port, self.args.path))
        media = self.factory.construct(url) if ok == self.GstRtsp.RTSPResult.OK else None
        if media is None:
            die(EXIT_MISSING, 'cannot construct the shared media (launch line %r)' % self.launch)
        self.shared_media = media

        def work():
            prepared = media.prepare(None)
            self.GLib.idle_add(lambda: then(prepared) and False)

        threading.Thread(target=work, daemon=True).start()

    def stop(self, signame):
        if self.stopping:
            return True
        self.stopping = True
        # Let the main loop run the teardown the filter queues, then leave (scheduled first: nothing below
        # may keep the camera from exiting).
        self.GLib.timeout_add(200, self.loop.quit)
        log('%s: closing clients and exiting' % signame)
        self.server.client_filter(lambda _s, _c: self.S.RTSPFilterResult.REMOVE)
        return True

    def run(self):
        a, GLib = self.args, self.GLib
        try:
            source_id = self.server.attach(None)
        except GLib.Error as err:
            die(EXIT_LISTEN, 'cannot listen on %s:%d: %s' % (a.host, a.port, err.message))
        if not source_id:
            die(EXIT_LISTEN, 'cannot listen on %s:%d' % (a.host, a.port))
        port = self.server.get_bound_port()
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, self.stop, 'SIGTERM')
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, self.stop, 'SIGINT')
        GLib.timeout_add_seconds(1, self.cleanup)
        host = '[%s]' % a.host if ':' in a.host else a.host
        url = 'rtsp://%s:%d%s' % (host, port, a.path)
        auth_url = url
        if a.auth != 'none':
            from urllib.parse import quote
            auth_url = 'rtsp://%s:%s@%s:%d%s' % (quote(a.user, safe=''), quote(a.password, safe=''), host, port,
                                                a.path)
        ready = {
            'ready': True, 'url': url, 'authUrl': auth_url, 'port': port, 'path': a.path, 'pid': os.getpid(),
            'video': a.video, 'audio': a.audio, 'auth': a.auth, 'transport': a.transport, 'shared': a.shared,
            'onvif': a.onvif, 'overlay': self.overlay, 'launch': self.launch,
        }
        if a.onvif:
            ready['backchannel'] = a.backchannel
            ready['backchannelFile'] = a.backchannel_file
            ready['backchannelFormat'] = BACKCHANNELS[a.backchannel]['file']

        def announce(prepared):
            if not prepared:
                log('error: the shared media did not prepare (launch line %r)' % self.launch)
                self.exit_code = EXIT_MISSING
                self.loop.quit()
                return
            try:
                sys.stdout.write(json.dumps(ready) + '\n')
                sys.stdout.flush()
            except OSError:
                self.stop('stdout closed')
                return
            log('listening on %s (video=%s audio=%s auth=%s onvif=%s shared=%s)' % (
                url, a.video, a.audio, a.auth, a.onvif, a.shared))

        if a.shared:
            self.keep_prepared(port, announce)
        else:
            announce(True)
        self.loop.run()


def main(argv):
    args = parse_args(argv)
    if args.exit_with_parent:
        die_with_parent()
    started = time.monotonic()
    GLib, Gst, GstRtsp, GstRtspServer = load_gi()
    camera = Camera(args, GLib, Gst, GstRtsp, GstRtspServer)
    camera.build()
    log('built in %.0f ms' % ((time.monotonic() - started) * 1000))
    camera.run()
    log('stopped')
    # Skip interpreter teardown: finalizing GStreamer objects from Python at exit can crash after a clean stop.
    os._exit(camera.exit_code)


if __name__ == '__main__':
    main(sys.argv[1:])
