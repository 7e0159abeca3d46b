"""GStreamer launch lines of the fake camera (gst-camera.py): what it sends and how it receives the backchannel."""

# Which Debian package ships each element we may use, so a missing one names what to install.
PACKAGE_OF = {
    'videotestsrc': 'gstreamer1.0-plugins-base', 'audiotestsrc': 'gstreamer1.0-plugins-base',
    'videoconvert': 'gstreamer1.0-plugins-base', 'audioconvert': 'gstreamer1.0-plugins-base',
    'audioresample': 'gstreamer1.0-plugins-base', 'capsfilter': 'gstreamer1.0 (core)',
    'timeoverlay': 'gstreamer1.0-plugins-base', 'opusenc': 'gstreamer1.0-plugins-base',
    'opusdec': 'gstreamer1.0-plugins-base', 'fakesink': 'gstreamer1.0 (core)', 'filesink': 'gstreamer1.0 (core)',
    'x264enc': 'gstreamer1.0-plugins-ugly', 'x265enc': 'gstreamer1.0-plugins-bad',
    'h265parse': 'gstreamer1.0-plugins-bad', 'jpegenc': 'gstreamer1.0-plugins-good',
    'mulawenc': 'gstreamer1.0-plugins-good', 'alawenc': 'gstreamer1.0-plugins-good',
    'rtph264pay': 'gstreamer1.0-plugins-good', 'rtph265pay': 'gstreamer1.0-plugins-good',
    'rtpjpegpay': 'gstreamer1.0-plugins-good', 'rtppcmupay': 'gstreamer1.0-plugins-good',
    'rtppcmapay': 'gstreamer1.0-plugins-good', 'rtpmp4gpay': 'gstreamer1.0-plugins-good',
    'rtpopuspay': 'gstreamer1.0-plugins-good', 'rtppcmudepay': 'gstreamer1.0-plugins-good',
    'rtppcmadepay': 'gstreamer1.0-plugins-good', 'rtpmp4gdepay': 'gstreamer1.0-plugins-good',
    'rtpopusdepay': 'gstreamer1.0-plugins-good', 'avenc_aac': 'gstreamer1.0-libav', 'avdec_aac': 'gstreamer1.0-libav',
}

WIDTH, HEIGHT, FPS = 640, 360, 25

# Backchannel codecs: the RTP caps announced in the SDP (the client sends exactly this), the elements that
# turn the received RTP into samples, and how the written file is to be read back (ffmpeg -f/-ar/-ac).
# G.711 is written as received (the file holds the very bytes the client sent); AAC and Opus are decoded.
BACKCHANNELS = {
    'pcmu': {
        'caps': 'application/x-rtp, media=audio, payload=0, clock-rate=8000, encoding-name=PCMU',
        'chain': 'rtppcmudepay',
        'file': {'format': 'mulaw', 'sampleRate': 8000, 'channels': 1},
    },
    'pcma': {
        'caps': 'application/x-rtp, media=audio, payload=8, clock-rate=8000, encoding-name=PCMA',
        'chain': 'rtppcmadepay',
        'file': {'format': 'alaw', 'sampleRate': 8000, 'channels': 1},
    },
    'aac': {
        # AAC-LC, 16 kHz, mono: AudioSpecificConfig 0x1408 (object type 2, frequency index 8, 1 channel).
        'caps': 'application/x-rtp, media=audio, payload=98, clock-rate=16000, encoding-name=MPEG4-GENERIC, '
                'encoding-params=(string)1, streamtype=(string)5, profile-level-id=(string)15, '
                'mode=(string)AAC-hbr, config=(string)1408, sizelength=(string)13, indexlength=(string)3, '
                'indexdeltalength=(string)3',
        'chain': 'rtpmp4gdepay ! avdec_aac ! audioconvert ! audioresample ! '
                 'audio/x-raw,format=S16LE,rate=16000,channels=1',
        'file': {'format': 's16le', 'sampleRate': 16000, 'channels': 1},
    },
    'opus': {
        'caps': 'application/x-rtp, media=audio, payload=111, clock-rate=48000, encoding-name=OPUS, '
                'encoding-params=(string)2',
        'chain': 'rtpopusdepay ! opusdec ! audioconvert ! audioresample ! '
                 'audio/x-raw,format=S16LE,rate=48000,channels=1',
        'file': {'format': 's16le', 'sampleRate': 48000, 'channels': 1},
    },
}


def video_branch(video, overlay):
    src = ('videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! '
           'video/x-raw,width=%d,height=%d,framerate=%d/1' % (WIDTH, HEIGHT, FPS))
    if overlay:
        src += ' ! timeoverlay halignment=left valignment=top font-desc="Sans 24"'
    if video == 'h264':
        # Byte-stream output makes x264 repeat SPS/PPS before every IDR (in-band, as cameras send them);
        # rtph264pay config-interval=-1 instead splits each IDR access unit in two (two marker bits, and
        # ffmpeg then decodes two pictures with one timestamp).
        enc = ('videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d bitrate=1500 ! '
               'video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! rtph264pay name=pay0 pt=96'
               % FPS)
    elif video == 'h265':
        enc = ('videoconvert ! video/x-raw,format=I420 ! x265enc tune=zerolatency speed-preset=ultrafast '
               'key-int-max=%d bitrate=1500 ! h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1' % FPS)
    else:
        enc = 'videoconvert ! video/x-raw,format=I420 ! jpegenc quality=75 ! rtpjpegpay name=pay0 pt=26'
    return src + ' ! ' + enc


def audio_branch(audio, pay):
    # 20 ms per buffer, like real cameras (audiotestsrc defaults to 1024 samples per buffer).
    def tone(rate):
        return ('audiotestsrc is-live=true wave=sine freq=440 volume=0.4 samplesperbuffer=%d ! audioconvert ! '
                'audioresample ! audio/x-raw,rate=%d,channels=1' % (rate // 50, rate))
    if audio == 'pcmu':
        return tone(8000) + ' ! mulawenc ! rtppcmupay name=%s pt=0' % pay
    if audio == 'pcma':
        return tone(8000) + ' ! alawenc ! rtppcmapay name=%s pt=8' % pay
    if audio == 'aac':
        return tone(16000) + ' ! avenc_aac ! rtpmp4gpay name=%s pt=97' % pay
    return tone(48000) + ' ! opusenc ! rtpopuspay name=%s pt=111' % pay


def backchannel_launch(codec, path):
    spec = BACKCHANNELS[codec]
    if path:
        # Unbuffered and appended: a reader sees samples as they arrive, and a second session adds to the file.
        sink = 'filesink location="%s" append=true buffer-mode=2 sync=false async=false' % path
    else:
        sink = 'fakesink sync=false async=false'
    return '( capsfilter caps="%s" name=depay_backchannel ! %s ! %s )' % (spec['caps'], spec['chain'], sink)


def elements_in(launch):
    """Element names in a launch line (first word of each `!`-separated part that is not a caps string)."""
    names = []
    for part in launch.replace('(', ' ').replace(')', ' ').split('!'):
        words = part.split()
        if words and '/' not in words[0] and '=' not in words[0]:
            names.append(words[0])
    return names


def missing_elements(Gst, launches):
    """(missing element names, Debian packages to install) for the elements the launch lines use."""
    missing = sorted({n for launch in launches for n in elements_in(launch) if Gst.ElementFactory.find(n) is None})
    return missing, sorted({PACKAGE_OF.get(n, '?') for n in missing})
